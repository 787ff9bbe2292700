"""Private uploads (bank-transfer proofs): read from the private storage area after a check."""

from marketplace import images
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Payment, User
from marketplace.permissions import can
from marketplace.storage import get_storage


def transfer_proof(actor: User, payment_id: int) -> bytes:
    """The WebP of a transfer proof, for the checkout's buyer and staff only.

    :raises NotFound: no such proof, or the actor may not see it (its existence is not told).
    """
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.proof_image is None:
        raise NotFound()
    if not (can(actor, "order.buy", payment.checkout) or can(actor, "staff.work")):
        raise NotFound()
    image = payment.proof_image
    width = max(w for w, _actual in images.rendition_widths(image))
    data = get_storage(private=True).get(images.rendition_key(image.sha256, width))
    if data is None:
        raise NotFound()
    return data
