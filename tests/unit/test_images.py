"""The image pipeline against real photos and hostile files, all generated here."""

import io
import os
import struct
import time
import zipfile
import zlib
from datetime import timedelta

import pytest
from PIL import ExifTags, Image, ImageDraw
from sqlalchemy import func, select

from marketplace import images
from marketplace.errors import ValidationError
from marketplace.images import delete_unreferenced, image_url, srcset, store_image
from marketplace.models import StoredImage
from tests.fixtures.catalog import photo_bytes

NOT_A_PHOTO = "bukan foto JPEG, PNG, atau WebP"
DAMAGED = "tidak dapat dibaca"
TOO_MANY_PIXELS = "terlalu banyak piksel"


def _rendition(image: StoredImage, width: int) -> Image.Image:
    data = images.get_storage().get(images.rendition_key(image.sha256, width))
    assert data is not None, f"missing {width}px rendition"
    result = Image.open(io.BytesIO(data))
    result.load()
    return result


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + tag + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))


def png_bomb(side: int = 8000) -> bytes:
    """A real decompression bomb: ~64 KB of PNG that inflates to 64 MB of pixels."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (b"\x89PNG\r\n\x1a\n"
            + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
            + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b""))


def huge_jpeg_header(width: int = 30000, height: int = 30000) -> bytes:
    """A small JPEG whose frame header claims width x height."""
    data = bytearray(photo_bytes(64, 64))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return buffer.getvalue()


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    frames = [Image.new("P", (50, 50), i) for i in range(3)]
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


HOSTILE = {
    "zero-byte file": (b"", "kosong"),
    "truncated JPEG": (photo_bytes(900, 700)[:6000], DAMAGED),
    "PNG decompression bomb": (png_bomb(), TOO_MANY_PIXELS),
    "30000x30000 image": (huge_jpeg_header(), TOO_MANY_PIXELS),
    "SVG with script": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
                        b"<script>alert(document.cookie)</script></svg>", NOT_A_PHOTO),
    "GIF": (gif_bytes(), NOT_A_PHOTO),
    "HTML renamed .jpg": (b"<!doctype html><html><body><script>alert(1)</script>",
                          NOT_A_PHOTO),
    "zip renamed .png": (zip_bytes(), NOT_A_PHOTO),
    "JPEG + zip polyglot": (photo_bytes(200, 200) + zip_bytes(), "selain foto"),
    "JPEG with HTML in a comment": (photo_bytes(200, 200, comment=b"<script>alert(1)</script>"),
                                    "selain foto"),
    "PNG signature then garbage": (b"\x89PNG\r\n\x1a\n" + os.urandom(2000), DAMAGED),
    "over 10 MB": (b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024), "terlalu besar"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message(db, name):
    data, expected = HOSTILE[name]
    with pytest.raises(ValidationError) as caught:
        store_image(data)
    assert expected in str(caught.value.errors["image"])
    assert db.session.scalar(select(func.count(StoredImage.id))) == 0


def test_a_photo_becomes_three_webp_renditions_and_a_row(db):
    image = store_image(photo_bytes(2000, 1500))
    assert (image.width, image.height) == (2000, 1500)
    for width in images.WIDTHS:
        rendition = _rendition(image, width)
        assert rendition.format == "WEBP"
        assert rendition.size == (width, width * 3 // 4)
    assert image_url(image, 600).endswith(f"/media/{image.sha256}-640.webp")
    assert srcset(image).count("w,") == 2 and srcset(image).endswith("1280w")


def test_small_photos_are_never_upscaled(db):
    image = store_image(photo_bytes(500, 250, fmt="PNG"))
    assert _rendition(image, 1280).size == (500, 250)
    assert image_url(image, 1280).endswith("-640.webp")
    assert srcset(image) == (f"/media/{image.sha256}-320.webp 320w, "
                             f"/media/{image.sha256}-640.webp 500w")


@pytest.mark.parametrize(("width", "height"), [(100, 20000), (1000, 30000), (20000, 100)])
def test_very_tall_or_wide_photos_are_scaled_to_fit_webp(db, width, height):
    """A long receipt screenshot: WebP holds at most 16383 px a side, so it is scaled down."""
    image = store_image(photo_bytes(width, height, fmt="PNG"))
    assert (image.width, image.height) == (width, height)
    for nominal, actual in images.rendition_widths(image):
        rendition = _rendition(image, nominal)
        assert max(rendition.size) <= images.WEBP_MAX_SIDE and rendition.width == actual
        assert rendition.size == images.display_size(image, nominal)
    tall = _rendition(image, 1280)
    assert abs(tall.width / tall.height / (width / height) - 1) < 0.1  # the shape is kept


def test_the_same_photo_twice_is_stored_once(db):
    data = photo_bytes(640, 480)
    first = store_image(data)
    db.session.commit()
    assert store_image(data).id == first.id
    assert db.session.scalar(select(func.count(StoredImage.id))) == 1


def test_gps_and_all_metadata_are_stripped(db):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "HomePhone"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 52.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (109.0, 40.0, 3.0)
    data = photo_bytes(800, 600, exif=exif, comment=b"my home")
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)

    image = store_image(data)
    for width in images.WIDTHS:
        raw = images.get_storage().get(images.rendition_key(image.sha256, width))
        assert b"Exif" not in raw and b"HomePhone" not in raw and b"my home" not in raw
        rendition = Image.open(io.BytesIO(raw))
        assert not rendition.getexif() and not {"exif", "xmp", "icc_profile"} & set(
            rendition.info)


def test_exif_orientation_is_applied(db):
    # Landscape pixels with "rotate 90° clockwise" in EXIF: the phone held upright.
    source = Image.new("RGB", (400, 200), (255, 0, 0))
    ImageDraw.Draw(source).rectangle((0, 0, 199, 199), fill=(0, 0, 255))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    buffer = io.BytesIO()
    source.save(buffer, "JPEG", exif=exif, quality=95)

    image = store_image(buffer.getvalue())
    assert (image.width, image.height) == (200, 400)
    rendition = _rendition(image, 320).convert("RGB")
    assert rendition.size == (200, 400)
    top, bottom = rendition.getpixel((100, 50)), rendition.getpixel((100, 350))
    assert top[2] > 200 and top[0] < 60  # blue went to the top
    assert bottom[0] > 200 and bottom[2] < 60


def test_cmyk_jpeg_is_converted_cleanly(db):
    buffer = io.BytesIO()
    Image.new("CMYK", (300, 200), (0, 255, 255, 0)).save(buffer, "JPEG", quality=95)
    rendition = _rendition(store_image(buffer.getvalue()), 320).convert("RGB")
    red, green, blue = rendition.getpixel((150, 100))
    assert red > 200 and green < 60 and blue < 60


def test_sixteen_bit_png_is_scaled_not_clipped(db):
    buffer = io.BytesIO()
    Image.new("I;16", (300, 200), 32768).save(buffer, "PNG")
    rendition = _rendition(store_image(buffer.getvalue()), 320).convert("L")
    assert 118 <= rendition.getpixel((150, 100)) <= 138


def test_transparent_png_keeps_its_alpha(db):
    buffer = io.BytesIO()
    Image.new("RGBA", (100, 100), (10, 200, 10, 0)).save(buffer, "PNG")
    rendition = _rendition(store_image(buffer.getvalue()), 320)
    assert rendition.mode == "RGBA" and rendition.getpixel((50, 50))[3] == 0


def test_animated_webp_keeps_its_first_frame(db):
    frames = [Image.new("RGB", (120, 80), color) for color in ((250, 0, 0), (0, 0, 250))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], duration=100,
                   loop=0, lossless=True)
    assert Image.open(io.BytesIO(buffer.getvalue())).is_animated
    rendition = _rendition(store_image(buffer.getvalue()), 320)
    assert not getattr(rendition, "is_animated", False)
    red, _green, blue = rendition.convert("RGB").getpixel((60, 40))
    assert red > 200 and blue < 60


def test_webp_upload_is_accepted(db):
    image = store_image(photo_bytes(700, 700, fmt="WEBP"))
    assert _rendition(image, 640).size == (640, 640)


def test_delete_unreferenced_removes_orphans_and_stray_files(db, app, make_store, tmp_path,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "MEDIA_PRIVATE_DIR", str(tmp_path / "private"))
    store = make_store()
    kept = store_image(photo_bytes(400, 300, (10, 10, 10)))
    orphan = store_image(photo_bytes(400, 300, (250, 250, 250)))
    orphan_id, orphan_sha = orphan.id, orphan.sha256
    store.logo = kept
    db.session.commit()
    storage = images.get_storage()
    stray = images.rendition_key("f" * 64, 320)
    storage.put(stray, b"old")

    assert delete_unreferenced(grace=timedelta(hours=1)) == (0, 0)  # too recent to touch
    rows, files = delete_unreferenced(grace=timedelta(0))
    db.session.commit()
    assert rows == 1 and files == 4  # the orphan's three renditions and the stray file
    assert db.session.get(StoredImage, orphan_id) is None
    assert not storage.exists(stray)
    assert storage.exists(images.rendition_key(orphan_sha, 320)) is False
    assert all(storage.exists(images.rendition_key(kept.sha256, w)) for w in images.WIDTHS)


def test_twelve_megapixel_photo_time(db, capsys):
    """Prints the pipeline's time per 12 MP phone photo (run with -s to see it)."""
    base = Image.effect_noise((4000, 3000), 40).convert("RGB")
    ImageDraw.Draw(base).ellipse((800, 600, 3200, 2400), fill=(180, 90, 30))
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=90)
    data = buffer.getvalue()
    started = time.perf_counter()
    image = store_image(data)
    elapsed = time.perf_counter() - started
    assert (image.width, image.height) == (4000, 3000)
    assert _rendition(image, 1280).size == (1280, 960)
    started = time.perf_counter()
    pending = images.accept_upload(data)  # what an upload's request does now
    checked = time.perf_counter() - started
    assert pending.status == "pending" and (pending.width, pending.height) == (4000, 3000)
    with capsys.disabled():
        print(f"\nimage pipeline: 12 MP JPEG ({len(data) / 1e6:.1f} MB) -> 3 WebP renditions "
              f"in {elapsed:.2f} s; checked and kept for the job in {checked:.2f} s")
