"""The renditions job: an accepted upload waits privately, the job publishes it once."""

import hashlib
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from marketplace import images
from marketplace.errors import ValidationError
from marketplace.images import accept_upload, make_renditions
from marketplace.models import ImageStatus, StoredImage
from marketplace.storage import get_storage
from tests.fixtures.catalog import photo_bytes


def _renditions(image: StoredImage) -> list[bool]:
    return [get_storage().exists(images.rendition_key(image.sha256, w)) for w in images.WIDTHS]


def _original(image: StoredImage) -> bytes | None:
    return get_storage(private=True).get(images.original_key(image.sha256))


def test_an_upload_waits_privately_until_the_job_publishes_its_renditions(db):
    data = photo_bytes(2000, 1500, (11, 22, 33))
    image = accept_upload(data)
    assert image.status == ImageStatus.PENDING and (image.width, image.height) == (2000, 1500)
    assert _original(image) == data  # private only: /media/ serves the public area
    assert not get_storage().exists(images.original_key(image.sha256))
    assert _renditions(image) == [False, False, False]

    db.session.commit()  # queues the job, which JOBS_INLINE runs at once
    db.session.refresh(image)
    assert image.status == ImageStatus.READY and image.attempts == 1
    assert _renditions(image) == [True, True, True]
    largest = Image.open(io.BytesIO(get_storage().get(images.rendition_key(image.sha256,
                                                                           1280))))
    assert largest.format == "WEBP" and largest.size == (1280, 960)
    assert _original(image) is None


def test_the_job_and_the_upload_are_idempotent(db):
    data = photo_bytes(900, 700, (12, 23, 34))
    image = accept_upload(data)
    db.session.commit()
    key = images.rendition_key(image.sha256, 640)
    published = get_storage().get(key)
    get_storage(private=True).put(images.original_key(image.sha256), data, "image/jpeg")

    make_renditions(image.id)  # a duplicate run: only the leftover original goes
    db.session.refresh(image)
    assert image.status == ImageStatus.READY and image.attempts == 1
    assert get_storage().get(key) == published and _original(image) is None

    again = accept_upload(data)  # the same file: the same row, nothing stored or queued
    assert again.id == image.id and _original(image) is None
    db.session.commit()
    assert db.session.scalar(select(func.count(StoredImage.id))) == 1


def test_a_refused_file_leaves_no_row_and_no_original(db):
    truncated = photo_bytes(900, 700, (13, 24, 35))[:6000]
    with pytest.raises(ValidationError) as caught:
        accept_upload(truncated)
    assert "tidak dapat dibaca" in str(caught.value.errors["image"])
    assert db.session.scalar(select(func.count(StoredImage.id))) == 0
    key = images.original_key(hashlib.sha256(truncated).hexdigest())
    assert not get_storage(private=True).exists(key)


def test_storage_failures_are_retried_then_the_image_is_failed(db, monkeypatch):
    def down(*_args, **_kwargs):
        raise OSError("object storage unreachable")

    monkeypatch.setattr(get_storage(), "put", down)
    image = accept_upload(photo_bytes(900, 700, (14, 25, 36)))
    db.session.commit()  # the first attempt (inline) fails and is left for a retry
    db.session.refresh(image)
    assert image.status == ImageStatus.PENDING and image.attempts == 1
    for attempt in range(2, images.RENDITION_ATTEMPTS + 1):
        with pytest.raises(OSError):
            make_renditions(image.id)
        db.session.refresh(image)
        last = attempt == images.RENDITION_ATTEMPTS
        assert image.status == (ImageStatus.FAILED if last else ImageStatus.PENDING)
    assert _original(image) is None


def test_an_original_unreadable_in_the_job_fails_at_once(db):
    image = accept_upload(photo_bytes(900, 700, (15, 26, 37)))
    db.session.flush()
    get_storage(private=True).put(images.original_key(image.sha256), b"\xff\xd8\xff broken")
    db.session.commit()
    db.session.refresh(image)
    assert image.status == ImageStatus.FAILED and image.attempts == 1
    assert _renditions(image) == [False, False, False] and _original(image) is None


def test_a_failed_photo_uploaded_again_is_made_again(db):
    data = photo_bytes(900, 700, (16, 27, 38))
    image = accept_upload(data)
    db.session.flush()
    get_storage(private=True).delete(images.original_key(image.sha256))
    db.session.commit()
    db.session.refresh(image)
    assert image.status == ImageStatus.FAILED

    assert accept_upload(data).id == image.id
    db.session.commit()
    db.session.refresh(image)
    assert image.status == ImageStatus.READY and _renditions(image) == [True, True, True]


def test_jobs_wait_for_the_whole_transaction_not_a_savepoint(db):
    first = accept_upload(photo_bytes(900, 700, (18, 29, 40)))
    second = accept_upload(photo_bytes(900, 700, (19, 30, 41)))  # releases a SAVEPOINT
    assert _original(first) is not None and _renditions(first) == [False, False, False]
    db.session.commit()
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == second.status == ImageStatus.READY


def test_housekeeping_queues_stalled_uploads_again(app, db, queued):
    stalled = accept_upload(photo_bytes(640, 480, (40, 50, 60)))
    recent = accept_upload(photo_bytes(640, 480, (41, 51, 61)))
    db.session.commit()  # their first jobs were lost (held back in `queued`, never run)
    stalled.created_at -= images.STALLED_AFTER * 2
    db.session.commit()
    queued.clear()

    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "Queued the renditions of 1 photo(s) again" in result.output
    assert [(path, key) for path, key, _kwargs in queued] == [
        ("marketplace.images.make_renditions", f"renditions-{stalled.sha256}")]
    path, _key, kwargs = queued[0]
    make_renditions(**kwargs)
    db.session.refresh(stalled)
    db.session.refresh(recent)
    assert stalled.status == ImageStatus.READY and recent.status == ImageStatus.PENDING
