"""Views of the media area: public renditions served forever (their names are content hashes),
private uploads only to those allowed, never cached."""

from flask import Response, abort, request
from flask_login import current_user, login_required

from blueprints.media import bp
from marketplace import images
from marketplace.services.payments import transfer_proof
from marketplace.storage import PRIVATE_CACHE, PUBLIC_CACHE


@bp.app_template_global("image_url")
def image_url(image, width: int = 640) -> str:
    return images.image_url(image, width)


@bp.app_template_global("image_srcset")
def image_srcset(image) -> str:
    return images.srcset(image)


@bp.app_template_global("image_size")
def image_size(image, width: int = 1280) -> tuple[int, int]:
    return images.display_size(image, width)


@bp.get("/media/<name>")
def rendition(name: str):
    """One WebP rendition; content-addressed, so it is cached as immutable for a year."""
    parsed = images.parse_media_name(name)
    if parsed is None:
        abort(404)
    etag = f'"{name}"'
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    data = images.get_storage().get(images.rendition_key(*parsed))
    if data is None:
        abort(404)
    return Response(data, mimetype="image/webp", headers={"Cache-Control": PUBLIC_CACHE,
                                                          "ETag": etag})


@bp.get("/media/private/proofs/<int:payment_id>.webp")
@login_required
def private_proof(payment_id: int):
    """A bank-transfer proof, for its buyer and staff only, never stored by any cache."""
    return Response(transfer_proof(current_user, payment_id), mimetype="image/webp",
                    headers={"Cache-Control": PRIVATE_CACHE, "Vary": "Cookie"})
