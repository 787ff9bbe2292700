"""The cart: a guest's (found by a session token) or a buyer's, merged at login."""

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Cart, User


def merge_guest_cart(user: User, guest_token: str | None) -> Cart | None:
    """Move a guest cart's lines into the buyer's cart at login; quantities add up."""
    if not guest_token:
        return None
    guest = db.session.scalar(select(Cart).where(Cart.token == guest_token))
    if guest is None:
        return None
    mine = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if mine is None:
        guest.token = None
        guest.user_id = user.id
        return guest
    by_variant = {line.variant_id: line for line in mine.lines}
    for line in list(guest.lines):
        if line.variant_id in by_variant:
            by_variant[line.variant_id].quantity += line.quantity
        else:
            guest.lines.remove(line)
            mine.lines.append(line)
    db.session.delete(guest)
    db.session.flush()
    return mine
