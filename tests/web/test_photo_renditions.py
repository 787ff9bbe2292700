"""Photos leave the request: checked at once, shown once the background job made renditions."""

import io
import threading
import time

import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.models import ImageStatus, ProductImage, StoredImage
from marketplace.storage import get_storage
from tests.fixtures.api import bearer
from tests.fixtures.catalog import photo_bytes


@pytest.fixture
def job_thread(app):
    """job_thread() sends the jobs queued from then on to this process's job thread, as under
    `make run` (called once the test's data exists: its own jobs stay inline)."""
    yield lambda: app.config.update(JOBS_INLINE=False, JOBS_RETRY_SCALE=0.001)
    jobs.drain_local(app)
    app.config.update(JOBS_INLINE=True, JOBS_RETRY_SCALE=1.0)


def _upload(client, product_id: int, data: bytes):
    response = client.post(f"/vendor/products/{product_id}/images",
                           data={"image": (io.BytesIO(data), "foto.jpg"), "alt": "Keripik"},
                           content_type="multipart/form-data")
    # The request ran in the test's app context: end the transaction it may have left open
    # (SQLite), so the job can write.
    client.application.extensions["sqlalchemy"].session.rollback()
    return response


def _image(db, product_id: int) -> tuple[str, ImageStatus, int]:
    """(sha256, status, attempts) of the product's photo as last committed."""
    db.session.rollback()  # see what the job committed
    image = db.session.scalar(select(StoredImage).join(ProductImage)
                              .where(ProductImage.product_id == product_id))
    found = image.sha256, image.status, image.attempts
    db.session.rollback()  # end the read before the app or the job writes (SQLite)
    return found


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_photo_is_pending_in_the_request_and_shown_once_ready(client, login, make_product,
                                                                 db, job_thread, monkeypatch):
    product = make_product()
    login(product.store.owner)
    product_id, slug, shop = product.id, product.slug, f"/s/{product.store.slug}"
    db.session.rollback()
    job_thread()
    gate, public = threading.Event(), get_storage()
    publish = public.put

    def held(*args, **kwargs):  # the job waits here until the test has looked at the pages
        gate.wait(20)
        publish(*args, **kwargs)

    monkeypatch.setattr(public, "put", held)
    started = time.monotonic()
    assert _upload(client, product_id, photo_bytes(1600, 1200, (41, 42, 43))).status_code == 302
    assert time.monotonic() - started < 5  # the renditions are not made in the request
    sha, status, _attempts = _image(db, product_id)
    assert status == ImageStatus.PENDING
    store_page = f"/p/{product_id}-{slug}"

    vendor_page = _page(client, f"/vendor/products/{product_id}/images")
    assert "Foto sedang diproses" in vendor_page and sha not in vendor_page
    public_page = _page(client, store_page)
    assert sha not in public_page and 'class="noimg"' in public_page
    assert sha not in _page(client, shop)  # the product's card
    assert client.get(f"/media/{sha}-640.webp").status_code == 404
    assert client.get(f"/api/v1/products/{product_id}").get_json()["images"] == []

    gate.set()
    assert jobs.drain_local(client.application)
    assert _image(db, product_id)[1] == ImageStatus.READY
    assert f"/media/{sha}-640.webp" in _page(client, store_page)
    assert f"/media/{sha}-" in _page(client, shop)
    assert client.get(f"/media/{sha}-640.webp").status_code == 200
    assert "Foto sedang diproses" not in _page(client, f"/vendor/products/{product_id}/images")


def test_a_photo_the_job_cannot_make_is_failed_and_never_shown(client, login, make_product,
                                                                 db, job_thread, monkeypatch):
    product = make_product()
    login(product.store.owner)
    product_id, slug = product.id, product.slug
    db.session.rollback()
    job_thread()
    public = get_storage()
    publish = public.put

    def down(*_args, **_kwargs):
        raise OSError("object storage unreachable")

    monkeypatch.setattr(public, "put", down)
    data = photo_bytes(1200, 900, (51, 52, 53))
    assert _upload(client, product_id, data).status_code == 302
    assert jobs.drain_local(client.application)  # every retry, with the delays scaled down
    sha, status, attempts = _image(db, product_id)
    assert status == ImageStatus.FAILED and attempts == 6
    photos = f"/vendor/products/{product_id}/images"
    assert "Foto gagal diproses, unggah lagi" in _page(client, photos)
    assert "Photo could not be processed, upload it again" in _page(client, photos + "?lang=en")
    public_page = _page(client, f"/p/{product_id}-{slug}")
    assert sha not in public_page and 'class="noimg"' in public_page

    monkeypatch.setattr(public, "put", publish)  # storage is back: she uploads it again
    _upload(client, product_id, data)
    assert jobs.drain_local(client.application)
    assert _image(db, product_id)[1] == ImageStatus.READY
    assert "Foto gagal diproses" not in _page(client, photos + "?lang=id")


def test_a_bad_file_is_refused_in_the_request_on_the_web_and_the_api(client, login, make_token,
                                                                     make_product, db,
                                                                     job_thread):
    product = make_product()
    login(product.store.owner)
    product_id, auth = product.id, bearer(make_token(product.store.owner, ["store:write"]))
    db.session.rollback()
    job_thread()
    truncated = photo_bytes(900, 700, (61, 62, 63))[:6000]
    response = _upload(client, product_id, truncated)
    assert response.status_code == 422 and "tidak dapat dibaca" in response.get_data(as_text=True)
    api = client.post(f"/api/v1/vendor/products/{product_id}/photos", headers=auth,
                      content_type="multipart/form-data",
                      data={"photo": (io.BytesIO(truncated), "foto.jpg", "image/jpeg")})
    assert api.status_code == 422 and api.get_json()["errors"]["image"]
    db.session.rollback()
    assert db.session.scalar(select(func.count(StoredImage.id))) == 0


def test_the_api_says_a_photo_is_pending_until_its_renditions_exist(client, make_product,
                                                                    make_token, db, job_thread,
                                                                    monkeypatch):
    product = make_product()
    product_id, auth = product.id, bearer(make_token(product.store.owner, ["store:write"]))
    db.session.rollback()
    job_thread()
    gate, public = threading.Event(), get_storage()
    publish = public.put
    monkeypatch.setattr(public, "put", lambda *a, **k: (gate.wait(20), publish(*a, **k)))
    added = client.post(f"/api/v1/vendor/products/{product_id}/photos", headers=auth,
                        content_type="multipart/form-data",
                        data={"photo": (io.BytesIO(photo_bytes(800, 600, (71, 72, 73))),
                                        "foto.jpg", "image/jpeg")})
    assert added.status_code == 201 and added.get_json()["status"] == "pending"
    db.session.rollback()  # the request ran in the test's app context (see `_upload`)
    media = added.get_json()["url"].removeprefix("http://localhost")
    assert client.get(media).status_code == 404
    gate.set()
    assert jobs.drain_local(client.application)
    assert client.get(media).status_code == 200


def test_an_rq_worker_makes_the_renditions_once(client, login, make_product, db, app,
                                                redis_server):
    product = make_product()
    login(product.store.owner)
    product_id = product.id
    db.session.rollback()
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    try:
        data = photo_bytes(1000, 800, (81, 82, 83))
        assert _upload(client, product_id, data).status_code == 302
        sha, status, _attempts = _image(db, product_id)
        assert status == ImageStatus.PENDING
        assert jobs.rq_queue().job_ids == [f"renditions-{sha}"]
        db.session.remove()  # the test shares the requests' session: let the worker write
        jobs.run_worker(app, burst=True, in_process=True)
        assert _image(db, product_id)[1:] == (ImageStatus.READY, 1)
        assert client.get(f"/media/{sha}-1280.webp").status_code == 200
    finally:
        app.config.update(JOBS_INLINE=True, REDIS_URL=None)
