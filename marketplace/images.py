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
"""

import hashlib
import io
import re
import warnings
import zipfile
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.clock import utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import StoredImage
from marketplace.storage import get_storage

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
WIDTHS = (320, 640, 1280)
WEBP_QUALITY = 80
#: WebP holds at most this many pixels on a side; taller (or wider) pictures are scaled to fit.
WEBP_MAX_SIDE = 16383
#: Files and rows younger than this are left alone by `delete_unreferenced`: an upload writes its
#: files before its transaction commits, and a form may attach an image a little later.
GRACE = timedelta(hours=6)

_MAGIC = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
)
_MARKUP = re.compile(rb"<\s*(script|html|svg|body|iframe|\?php|!doctype)", re.IGNORECASE)
_EDGE = 4096
_KEY = re.compile(r"^(?P<sha>[0-9a-f]{64})-(?P<width>\d+)\.webp$")

# Pillow's own bomb guard raises at twice this; our header check refuses earlier anyway.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def rendition_key(sha256: str, width: int) -> str:
    """The storage key of one rendition, e.g. `ab/abcdef...-640.webp`."""
    return f"{sha256[:2]}/{sha256}-{width}.webp"


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


def _decode(data: bytes, field: str) -> tuple[Image.Image, int, int]:
    """Open, check and decode; returns the sanitised image and its full oriented size."""
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
                img.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
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
    return img, full[0], full[1]


def _rendition_size(width: int, height: int, target: int) -> tuple[int, int]:
    if width <= target and height <= WEBP_MAX_SIDE:
        return width, height
    if height * min(target, width) <= WEBP_MAX_SIDE * width:  # the width decides
        return target, max(1, round(height * target / width))
    return max(1, round(width * WEBP_MAX_SIDE / height)), WEBP_MAX_SIDE


def _encode(img: Image.Image, size: tuple[int, int]) -> bytes:
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
    img, width, height = _decode(bytes(data), field)
    digest = hashlib.sha256(f"{img.mode}{img.size}".encode())
    digest.update(img.tobytes())
    sha = digest.hexdigest()
    storage = get_storage(private)
    existing = db.session.scalar(select(StoredImage).where(StoredImage.sha256 == sha))
    target = existing or StoredImage(sha256=sha, width=width, height=height)
    encoded: dict[tuple[int, int], bytes] = {}
    for nominal in WIDTHS:
        key = rendition_key(sha, nominal)
        if existing is None or not storage.exists(key):
            size = _rendition_size(*img.size, nominal)
            if size not in encoded:
                encoded[size] = _encode(img, size)
            storage.put(key, encoded[size])
    if existing is not None:
        return existing
    try:
        with db.session.begin_nested():
            db.session.add(target)
    except IntegrityError:
        # The same picture was stored concurrently: use that row.
        return db.session.scalar(select(StoredImage).where(StoredImage.sha256 == sha))
    return target


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
            match = _KEY.match(key.rsplit("/", 1)[-1])
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
