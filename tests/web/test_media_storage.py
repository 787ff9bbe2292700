"""Media storage: S3-compatible object storage when configured; private uploads stay private."""

import io
import urllib.request

import boto3
from sqlalchemy import select

from marketplace import images
from marketplace.models import Payment, PaymentMethod
from marketplace.storage import get_storage
from tests.fixtures.catalog import photo_bytes


def _upload_proof(client, db, login, make_order, buyer):
    checkout = make_order(buyer=buyer, method=PaymentMethod.BANK_TRANSFER)
    login(buyer)
    page = client.post(f"/checkout/{checkout.reference}/proof",
                       data={"proof": (io.BytesIO(photo_bytes(color=(9, 99, 199))), "bukti.jpg")},
                       content_type="multipart/form-data")
    assert page.status_code == 302
    payment = db.session.scalar(select(Payment))
    return checkout, payment


def test_transfer_proof_is_private(client, db, make_order, make_user, buyer, staff, login):
    checkout, payment = _upload_proof(client, db, login, make_order, buyer)
    sha = payment.proof_image.sha256
    for width in images.WIDTHS:  # not in the public area, so /media/ cannot serve it
        assert client.get(f"/media/{sha}-{width}.webp").status_code == 404
    url = f"/media/private/proofs/{payment.id}.webp"
    assert url in client.get(f"/checkout/{checkout.reference}").get_data(as_text=True)
    mine = client.get(url)
    assert mine.status_code == 200 and mine.mimetype == "image/webp"
    assert mine.headers["Cache-Control"] == "private, no-store"
    client.post("/logout")
    assert client.get(url).status_code == 302  # to the login page
    login(make_user("buyer"))
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(staff)
    assert url in client.get("/staff/payments").get_data(as_text=True)
    assert client.get(url).status_code == 200


def test_media_live_in_object_storage(client, db, object_storage, make_order, buyer, login):
    image = images.store_image(photo_bytes())
    db.session.commit()
    s3 = boto3.client("s3", endpoint_url=object_storage.url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    key = images.rendition_key(image.sha256, 640)
    head = s3.head_object(Bucket="pasar-media", Key=f"public/{key}")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "image/webp"
    served = client.get(f"/media/{image.sha256}-640.webp")
    assert served.status_code == 200
    assert served.data == s3.get_object(Bucket="pasar-media", Key=f"public/{key}")["Body"].read()

    _checkout, payment = _upload_proof(client, db, login, make_order, buyer)
    names = [o["Key"] for o in s3.list_objects_v2(Bucket="pasar-media")["Contents"]]
    proof = payment.proof_image.sha256
    assert any(n.startswith(f"private/{proof[:2]}/{proof}") for n in names)
    assert not any(n.startswith(f"public/{proof[:2]}/{proof}") for n in names)
    assert client.get(f"/media/private/proofs/{payment.id}.webp").status_code == 200

    signed = get_storage(private=True).signed_url(images.rendition_key(proof, 1280), 60)
    with urllib.request.urlopen(signed, timeout=5) as reply:
        assert reply.read()[:4] == b"RIFF"
    unsigned = signed.split("?", 1)[0]
    try:
        urllib.request.urlopen(unsigned, timeout=5)
        raise AssertionError("the private object was readable without a signature")
    except urllib.error.HTTPError as exc:
        assert exc.code == 403


def test_unreferenced_media_are_swept_from_object_storage(db, object_storage):
    from datetime import timedelta

    images.store_image(photo_bytes(color=(1, 2, 3)))
    db.session.commit()
    assert len(list(get_storage().keys())) == 3
    assert images.delete_unreferenced(grace=timedelta(0)) == (1, 3)
    assert list(get_storage().keys()) == []


def test_healthz_names_object_storage(app, client, db, object_storage):
    assert client.get("/healthz").get_json()["storage"] == "ok"
    app.config["MEDIA_S3_BUCKET"] = "no-such-bucket"
    down = client.get("/healthz")
    assert down.status_code == 503 and down.get_json()["storage"] == "unreachable"


def test_an_accepted_upload_waits_privately_as_the_type_its_bytes_are(db, object_storage):
    """The original kept for the renditions job is stored with the type read from its bytes,
    and only in the private area."""
    s3 = boto3.client("s3", endpoint_url=object_storage.url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    for fmt, mime in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")):
        image = images.accept_upload(photo_bytes(color=(7, 70, 140), fmt=fmt))
        key = images.original_key(image.sha256)
        assert s3.head_object(Bucket="pasar-media", Key=f"private/{key}")["ContentType"] == mime
        assert not s3.list_objects_v2(Bucket="pasar-media", Prefix=f"public/{key}").get("KeyCount")
