"""The cart: a guest's (found by a session token) or a buyer's, merged at login."""

import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.errors import NotFound, OutOfStock, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    Cart,
    CartLine,
    Product,
    ProductStatus,
    Store,
    StoreStatus,
    User,
    Variant,
)


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
    """Whether the product may be bought: active, not hidden, from a verified store."""
    return (product.status == ProductStatus.ACTIVE and not product.hidden
            and product.store.status == StoreStatus.VERIFIED)


def guest_cart(token: str | None) -> Cart | None:
    """The guest cart behind a session token, if any."""
    if not token:
        return None
    return db.session.scalar(select(Cart).where(Cart.token == token, Cart.user_id.is_(None)))


def new_guest_cart() -> Cart:
    """A cart for a visitor who is not signed in, found again by its random token."""
    cart = Cart(token=secrets.token_urlsafe(32))
    db.session.add(cart)
    db.session.flush()
    return cart


def _line(cart: Cart, line_id: int) -> CartLine:
    line = next((ln for ln in cart.lines if ln.id == line_id), None)
    if line is None:
        raise NotFound()
    return line


def set_quantity(cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Change a line's quantity (0 removes it), limited to what is in stock.

    :raises NotFound: the line is not in this cart.
    :raises ValidationError: negative or absurd quantity.
    :raises OutOfStock: more than the stock.
    """
    line = _line(cart, line_id)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        raise ValidationError(_("Enter a quantity of at least 1."), field="quantity")
    if quantity == 0:
        cart.lines.remove(line)
        db.session.flush()
        return None
    if quantity > line.variant.stock:
        raise OutOfStock(_("Only %(n)d left in stock.", n=line.variant.stock))
    line.quantity = quantity
    line.price_seen = line.variant.price
    db.session.flush()
    return line


def remove_line(cart: Cart, line_id: int) -> None:
    """Take a line out of the cart.

    :raises NotFound: the line is not in this cart.
    """
    cart.lines.remove(_line(cart, line_id))
    db.session.flush()


@dataclass
class CartItem:
    line: CartLine
    variant: Variant
    product: Product
    #: What the buyer would pay now (the price may have changed since it was added).
    line_total: int
    price_changed: bool
    #: A reason this line cannot be ordered now (no longer sold, not enough stock), or None.
    problem: str | None


@dataclass
class StoreGroup:
    store: Store
    items: list[CartItem] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(item.line_total for item in self.items if item.problem is None)


@dataclass
class CartView:
    groups: list[StoreGroup]

    @property
    def total(self) -> int:
        return sum(group.subtotal for group in self.groups)

    @property
    def count(self) -> int:
        return sum(item.line.quantity for g in self.groups for item in g.items)

    @property
    def problems(self) -> list[str]:
        return [item.problem for g in self.groups for item in g.items if item.problem]


def view_cart(cart: Cart | None) -> CartView:
    """The cart grouped by store, with today's prices and what changed since adding."""
    if cart is None or not cart.lines:
        return CartView([])
    variants = {v.id: v for v in db.session.scalars(
        select(Variant).where(Variant.id.in_([ln.variant_id for ln in cart.lines]))
        .options(selectinload(Variant.product).selectinload(Product.store)))}
    groups: dict[int, StoreGroup] = {}
    for line in cart.lines:
        variant = variants[line.variant_id]
        product = variant.product
        problem = None
        if not variant.active or not is_public(product):
            problem = _("%(title)s is no longer sold.", title=product.title)
        elif variant.stock <= 0:
            problem = _("Out of stock (stok habis): %(title)s.", title=product.title)
        elif line.quantity > variant.stock:
            problem = _("Only %(n)d of %(title)s left in stock.", n=variant.stock,
                        title=product.title)
        group = groups.setdefault(product.store_id, StoreGroup(product.store))
        group.items.append(CartItem(line, variant, product, variant.price * line.quantity,
                                    variant.price != line.price_seen, problem))
    return CartView([groups[k] for k in sorted(groups)])
