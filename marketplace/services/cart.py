"""The cart: a guest's (found by a session token) or a buyer's, merged at login."""

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.errors import OutOfStock, ValidationError
from marketplace.extensions import db
from marketplace.models import Cart, CartLine, Product, ProductStatus, StoreStatus, User, Variant


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


def cart_for_user(user: User) -> Cart:
    """The buyer's stored cart, created on first use."""
    cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
    if cart is None:
        cart = Cart(user_id=user.id)
        db.session.add(cart)
        db.session.flush()
    return cart


def add_to_cart(cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Add units of a variant, limited to what is in stock.

    :raises ValidationError: quantity not positive, or the variant is not for sale.
    :raises OutOfStock: more than the stock.
    """
    variant = db.session.get(Variant, variant_id)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise ValidationError(_("Enter a quantity of at least 1."), field="quantity")
    if variant is None or not variant.active or not is_public(variant.product):
        raise ValidationError(_("This product is not for sale."))
    line = next((ln for ln in cart.lines if ln.variant_id == variant_id), None)
    wanted = quantity + (line.quantity if line else 0)
    if wanted > variant.stock:
        raise OutOfStock(_("Only %(n)d left in stock.", n=variant.stock))
    if line is None:
        line = CartLine(variant_id=variant_id, quantity=wanted, price_seen=variant.price)
        cart.lines.append(line)
    else:
        line.quantity = wanted
    db.session.flush()
    return line


def is_public(product: Product) -> bool:
    return (product.status == ProductStatus.ACTIVE and not product.hidden
            and product.store.status == StoreStatus.VERIFIED)
