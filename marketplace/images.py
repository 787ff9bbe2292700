"""The image pipeline: untrusted uploads in, sanitised content-addressed WebP renditions out.

What an upload goes through, in order:

1. size: empty files and files over 10 MB are refused;
2. type by content, never by name: the first bytes must be JPEG, PNG or WebP, and Pillow must
   agree; SVG, GIF, HTML, ZIP and everything else are refused. Polyglots (an image that is also
   a ZIP archive or carries HTML/script markup) are refused too; anything else hidden after the
   image or in its metadata never reaches the output, because only decoded pixels are kept;
3. pixel count from the header, before decoding: over 40 megapixels (a 30000x30000 image, a
   PNG decompression bomb) is refused without allocating the pixels;
4. decoding: truncated or corrupt files are refused. An animated WebP or PNG keeps its FIRST
   FRAME only (a documented choice: sellers' phones sometimes save stills as animations);
5. EXIF orientation is applied, colour is converted to sRGB (CMYK and ICC profiles
   included, 16-bit PNGs scaled down to 8 bits), and all metadata (EXIF, GPS, XMP, ICC,
   comments) is dropped: the output is re-encoded from pixels;
6. 320/640/1280 px wide WebP renditions (never upscaled; a very tall picture such as a long
   receipt screenshot is scaled down until it is at most 16383 px high, WebP's limit) are
   written under the SHA-256 of the sanitised pixels through `marketplace.storage` (a local
   directory by default, S3-compatible object storage when configured), in its public area,
   or its private one for uploads only some people may see (transfer proofs); an identical
   upload reuses the same row.

Uploads from people (product photos, logos, banners, review photos) go through `accept_upload`:
steps 1-5 run in the request, so a refused file is answered at once, but JPEGs decode at 1/8
scale there and step 6, most of the time, runs in the `make_renditions` job. Until that job has
published the renditions the image is pending and pages leave it out; the original waits in
the private area only, and is deleted once the job is done with it.

Pillow is imported by the functions that decode and encode: pages only link renditions, and
a web worker that never handles an upload saves its ~2 MB.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
import zipfile
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace import jobs
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import ImageStatus, StoredImage
from marketplace.storage import get_storage

if TYPE_CHECKING:
    from PIL import Image

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
WIDTHS = (320, 640, 1280)
WEBP_QUALITY = 80
#: WebP holds at most this many pixels on a side; taller (or wider) pictures are scaled to fit.
WEBP_MAX_SIDE = 16383
#: Files and rows younger than this are left alone by `delete_unreferenced`: an upload writes its
#: files before its transaction commits, and a form may attach an image a little later.
GRACE = timedelta(hours=6)

#: Runs of `make_renditions` before an image is marked failed: the first and each retry.
RENDITION_ATTEMPTS = 1 + len(jobs.RETRY_DELAYS)
#: An upload still pending this long after it was accepted has lost its job (housekeeping).
STALLED_AFTER = timedelta(hours=1)
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
_MARKUP = re.compile(rb"<\s*(script|html|svg|body|iframe|\?php|!doctype)", re.IGNORECASE)
_EDGE = 4096
_KEY = re.compile(r"^(?P<sha>[0-9a-f]{64})-(?P<width>\d+)\.webp$")
_ORIGINAL_KEY = re.compile(r"^(?P<sha>[0-9a-f]{64})-original$")


def rendition_key(sha256: str, width: int) -> str:
    """The storage key of one rendition, e.g. `ab/abcdef...-640.webp`."""
    return f"{sha256[:2]}/{sha256}-{width}.webp"


def original_key(sha256: str) -> str:
    """The private storage key of an upload waiting for its renditions."""
    return f"{sha256[:2]}/{sha256}-original"


# --- validation and decoding ------------------------------------------------------------------

def _refuse(message: str, field: str) -> ValidationError:
    return ValidationError(message, field=field)


def _sniff(data: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _is_polyglot(data: bytes) -> bool:
    # Markup is looked for where browsers and polyglot tricks put it (the first and last few
    # KB: headers, comments, trailers), not inside compressed pixel data, where "<svg" turns
    # up by chance in about one 10 MB photo in fifty.
    if _MARKUP.search(data[:_EDGE]) or _MARKUP.search(data[-_EDGE:]):
        return True
    try:
        return zipfile.is_zipfile(io.BytesIO(data))
    except Exception:  # a broken archive directory is still not an image
        return True


def _to_srgb(img: Image.Image) -> Image.Image:
    """8-bit RGB or RGBA in sRGB, whatever the source mode or embedded colour profile."""
    from PIL import ImageCms

    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: scale to 8 bits instead of clipping everything bright to white.
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif img.mode == "F":
        img = img.point(lambda v: v * (1 / 256)).convert("L")
    icc = img.info.get("icc_profile")
    if icc and img.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(img, source, ImageCms.createProfile("sRGB"),
                                             outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: fall back to the plain conversion below
    has_alpha = img.mode in ("RGBA", "LA", "PA") or (
        img.mode == "P" and "transparency" in img.info
    )
    return img.convert("RGBA" if has_alpha else "RGB")


class _Decoded(NamedTuple):
    img: Image.Image
    #: The full size, oriented (a JPEG's `img` may be decoded smaller).
    width: int
    height: int
    #: JPEG, PNG or WEBP, as read from the first bytes.
    kind: str


def _decode(data: bytes, field: str, draft: int = WIDTHS[-1]) -> _Decoded:
    """Open, check and decode; returns the sanitised image, its full oriented size and type.

    A JPEG is decoded at the smallest scale of 1/2, 1/4 or 1/8 that keeps `draft` pixels.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    # Pillow's own bomb guard raises at twice this; our header check refuses earlier anyway.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    if not data:
        raise _refuse(_("The file is empty. Choose a photo."), field)
    if len(data) > MAX_BYTES:
        raise _refuse(_("The photo is too large. The limit is 10 MB."), field)
    kind = _sniff(data)
    if kind is None:
        raise _refuse(_("This file is not a JPEG, PNG or WebP photo."), field)
    if _is_polyglot(data):
        raise _refuse(_("This file contains something other than a photo and was refused."),
                      field)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=[kind])
            width, height = img.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise _refuse(_("The photo has too many pixels. The limit is 40 megapixels."),
                              field)
            orientation = img.getexif().get(0x0112, 1)
            turned = orientation in (5, 6, 7, 8)
            full = (height, width) if turned else (width, height)
            if kind == "JPEG":
                # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while keeping at least the
                # largest rendition: a 12 MP photo then decodes in a fraction of the time.
                img.draft("RGB", (draft, draft))
            img.seek(0)  # animated WebP/PNG: the first frame only
            img.load()
            img = ImageOps.exif_transpose(img)
            img = _to_srgb(img)
        except ValidationError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _refuse(_("The photo has too many pixels. The limit is 40 megapixels."),
                          field) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                IndexError, TypeError, KeyError, MemoryError) as exc:
            raise _refuse(_("The photo could not be read: it may be damaged or incomplete. "
                            "Try taking or saving it again."), field) from exc
    return _Decoded(img, full[0], full[1], kind)


def _rendition_size(width: int, height: int, target: int) -> tuple[int, int]:
    if width <= target and height <= WEBP_MAX_SIDE:
        return width, height
    if height * min(target, width) <= WEBP_MAX_SIDE * width:  # the width decides
        return target, max(1, round(height * target / width))
    return max(1, round(width * WEBP_MAX_SIDE / height)), WEBP_MAX_SIDE


def _encode(img: Image.Image, size: tuple[int, int]) -> bytes:
    from PIL import Image

    out = img if img.size == size else img.resize(size, Image.Resampling.LANCZOS,
                                                    reducing_gap=2.0)
    buffer = io.BytesIO()
    out.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


# --- public API -------------------------------------------------------------------------------

def store_image(data: bytes, *, field: str = "image", private: bool = False) -> StoredImage:
    """Sanitise an uploaded photo and store its renditions; the same picture gives one row.

    `private` renditions go to the private storage area, never served at /media/.

    :raises ValidationError: not an acceptable JPEG/PNG/WebP photo (message says why).
    """
    img, width, height, _kind = _decode(bytes(data), field)
    digest = hashlib.sha256(f"{img.mode}{img.size}".encode())
    digest.update(img.tobytes())
    sha = digest.hexdigest()
    existing = _by_sha(sha)
    _write_renditions(img, sha, get_storage(private), only_missing=existing is not None)
    return existing or _add_row(StoredImage(sha256=sha, width=width, height=height))


def accept_upload(data: bytes, *, field: str = "image") -> StoredImage:
    """Check an uploaded photo now and leave its renditions to the `make_renditions` job.

    The checks that can refuse the file all run here (a JPEG is decoded at 1/8 scale, which
    still reads all of it); the original is kept in the private area, never served, until the
    job, queued when the transaction commits, has published the renditions. The row stays
    pending until then. The same file again gives the same row; one whose job failed is tried
    again.

    :raises ValidationError: not an acceptable JPEG/PNG/WebP photo (message says why).
    """
    data = bytes(data)
    _img, width, height, kind = _decode(data, field, draft=1)
    sha = hashlib.sha256(data).hexdigest()
    image = _by_sha(sha)
    if image is not None and image.status == ImageStatus.READY:
        return image
    get_storage(private=True).put(original_key(sha), data, _MIME[kind])
    if image is None:
        image = _add_row(StoredImage(sha256=sha, width=width, height=height,
                                     status=ImageStatus.PENDING))
    elif image.status == ImageStatus.FAILED:
        image.status, image.attempts = ImageStatus.PENDING, 0
    db.session.flush()
    # Queued again for a pending image too: its first job may never have reached the queue.
    jobs.enqueue_after_commit("marketplace.images.make_renditions", key=f"renditions-{sha}",
                              image_id=image.id)
    return image


def requeue_stalled_renditions(now: datetime, older_than: timedelta = STALLED_AFTER) -> int:
    """Queue again the jobs of uploads still pending long after they were accepted (the queue
    was down at the upload's commit, or a worker vanished): nothing waits for a re-upload.
    Returns how many; the caller commits (the jobs leave then)."""
    stalled = db.session.execute(select(StoredImage.id, StoredImage.sha256).where(
        StoredImage.status == ImageStatus.PENDING,
        StoredImage.created_at < now - older_than)).all()
    for image_id, sha in stalled:
        jobs.enqueue_after_commit("marketplace.images.make_renditions", key=f"renditions-{sha}",
                                  image_id=image_id)
    return len(stalled)


def make_renditions(image_id: int) -> None:
    """The job: publish a pending upload's renditions, mark it ready, delete its original.

    Idempotent: an image that is no longer pending only has a leftover original removed. A
    file that turns out unreadable fails at once; any other error is raised so the job is
    retried, and the last of `RENDITION_ATTEMPTS` marks the image failed.
    """
    with write_intent():
        image = db.session.get(StoredImage, image_id, with_for_update=True)
        if image is None:
            return
        sha, status = image.sha256, image.status
        if status == ImageStatus.PENDING:
            image.attempts += 1
            attempt = image.attempts
        db.session.commit()  # the attempt counts even if this worker is killed below
    private = get_storage(private=True)
    if status != ImageStatus.PENDING:
        private.delete(original_key(sha))
        return
    try:
        data = private.get(original_key(sha))
        img = _decode(data, "image").img if data is not None else None
        if img is not None:
            _write_renditions(img, sha, get_storage(), only_missing=True)
    except ValidationError:  # unreadable after all: no retry helps
        img = None
    except Exception:
        if attempt >= RENDITION_ATTEMPTS:
            _finish(image_id, ImageStatus.FAILED)
        raise
    _finish(image_id, ImageStatus.READY if img is not None else ImageStatus.FAILED)


def _finish(image_id: int, status: ImageStatus) -> None:
    """Mark a pending image ready or failed, and drop its original (no longer needed)."""
    with write_intent():
        image = db.session.get(StoredImage, image_id, with_for_update=True)
        if image is None:  # swept meanwhile (see `delete_unreferenced`)
            return
        sha = image.sha256
        if image.status == ImageStatus.PENDING:
            image.status = status
        db.session.commit()
    get_storage(private=True).delete(original_key(sha))


def _by_sha(sha: str) -> StoredImage | None:
    return db.session.scalar(select(StoredImage).where(StoredImage.sha256 == sha))


def _add_row(image: StoredImage) -> StoredImage:
    try:
        with db.session.begin_nested():
            db.session.add(image)
    except IntegrityError:
        # The same picture was stored concurrently: use that row.
        return _by_sha(image.sha256)
    return image


def _write_renditions(img: Image.Image, sha: str, storage, only_missing: bool) -> None:
    encoded: dict[tuple[int, int], bytes] = {}
    for nominal in WIDTHS:
        key = rendition_key(sha, nominal)
        if not only_missing or not storage.exists(key):
            size = _rendition_size(*img.size, nominal)
            if size not in encoded:
                encoded[size] = _encode(img, size)
            storage.put(key, encoded[size])


def rendition_widths(image: StoredImage) -> list[tuple[int, int]]:
    """(nominal width used in the file name, actual pixel width) for each distinct rendition."""
    seen, result = set(), []
    for nominal in WIDTHS:
        actual = _rendition_size(image.width, image.height, nominal)[0]
        if actual not in seen:
            seen.add(actual)
            result.append((nominal, actual))
    return result


def image_url(image: StoredImage, width: int) -> str:
    """URL of the smallest rendition at least `width` px wide (or the largest there is)."""
    wanted = next((w for w in WIDTHS if w >= width), WIDTHS[-1])
    # Renditions at or above the original's width are all the original size: take the first.
    whole = next((w for w in WIDTHS if w >= image.width), WIDTHS[-1])
    chosen = min(wanted, whole)
    base = current_app.config.get("MEDIA_URL", "/media")
    return f"{base}/{image.sha256}-{chosen}.webp"


def srcset(image: StoredImage) -> str:
    """A `srcset` value listing each rendition with its real pixel width."""
    base = current_app.config.get("MEDIA_URL", "/media")
    return ", ".join(f"{base}/{image.sha256}-{nominal}.webp {actual}w"
                     for nominal, actual in rendition_widths(image))


def display_size(image: StoredImage, width: int = WIDTHS[-1]) -> tuple[int, int]:
    """Width and height of the rendition `image_url(image, width)` points at (for <img>)."""
    return _rendition_size(image.width, image.height, min(width, WIDTHS[-1]))


def _image_foreign_keys() -> list:
    """Every column in the schema that references images.id (logos, products, proofs...)."""
    columns = []
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == StoredImage.__tablename__:
                columns.append(fk.parent)
    return columns


def delete_unreferenced(grace: timedelta = GRACE) -> tuple[int, int]:
    """Delete image rows nothing refers to, and files without a row; returns (rows, files).

    Rows and files younger than `grace` are kept (an upload may not be attached yet).
    """
    cutoff = utcnow() - grace
    query = select(StoredImage.id).where(StoredImage.created_at < cutoff)
    for column in _image_foreign_keys():
        query = query.where(StoredImage.id.not_in(
            select(column).where(column.is_not(None)).scalar_subquery()))
    orphan_ids = list(db.session.scalars(query))
    for start in range(0, len(orphan_ids), 500):
        chunk = orphan_ids[start:start + 500]
        db.session.execute(StoredImage.__table__.delete().where(StoredImage.id.in_(chunk)))
    db.session.flush()
    known = set(db.session.scalars(select(StoredImage.sha256)))
    removed = 0
    for storage in (get_storage(), get_storage(private=True)):
        for key, modified in list(storage.keys()):
            name = key.rsplit("/", 1)[-1]
            match = _KEY.match(name) or _ORIGINAL_KEY.match(name)
            if match and match["sha"] not in known and modified < cutoff.timestamp():
                storage.delete(key)
                removed += 1
    return len(orphan_ids), removed


def parse_media_name(name: str) -> tuple[str, int] | None:
    """(sha256, nominal width) from a served file name such as `<sha>-640.webp`, or None."""
    match = _KEY.match(name)
    if not match or int(match["width"]) not in WIDTHS:
        return None
    return match["sha"], int(match["width"])
