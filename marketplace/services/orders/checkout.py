"""Placing an order: one checkout (one payment) split into one order per store, stock reserved."""

import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    Address,
    Cart,
    Checkout,
    CourierRate,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentMethod,
    Product,
    ProductStatus,
    ShippingMethod,
    Store,
    StoreStatus,
    User,
    Variant,
)
from marketplace.regions import check_province
from marketplace.services.catalog.inventory import reserve_stock
from marketplace.services.orders import notifications
from marketplace.validation import clean_text, normalise_phone

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def new_reference(prefix: str) -> str:
    """A public reference with 60 random bits, e.g. PM-7K3Q-9XQ2-HT4W (never the row id)."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(12))
    return f"{prefix}-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


@dataclass(frozen=True)
class ShippingOption:
    method: ShippingMethod
    fee: int
    #: For pickup, where the buyer collects (shown beside the choice); None for deliveries.
    pickup_address: str | None = None


def shipping_options(store: Store, province_code: str, regency: str) -> list[ShippingOption]:
    """What this store offers to this destination, with the fee (ongkir) for each. Pickup only
    from a store that says where: a buyer cannot collect from an address she is never told."""
    options = []
    if store.self_delivery_enabled and regency.strip().lower() == store.regency.strip().lower():
        options.append(ShippingOption(ShippingMethod.SELF_DELIVERY, store.self_delivery_fee))
    if store.pickup_enabled and store.pickup_place:
        options.append(ShippingOption(ShippingMethod.PICKUP, 0, store.pickup_place))
    if store.courier_enabled:
        fee = db.session.scalar(select(CourierRate.fee).where(
            CourierRate.store_id == store.id, CourierRate.province_code == province_code))
        if fee is not None:
            options.append(ShippingOption(ShippingMethod.COURIER, fee))
    return options


def check_address(address: dict) -> dict:
    """A complete, valid shipping address, or every problem at once.

    :raises ValidationError: with `errors` per field.
    """
    errors, clean = {}, {}
    rules = {
        "recipient": lambda v: clean_text(v, 120, "recipient"),
        "phone": lambda v: normalise_phone(v, "phone"),
        "province_code": lambda v: check_province(v or ""),
        "regency": lambda v: clean_text(v, 120, "regency"),
        "district": lambda v: clean_text(v, 120, "district"),
        "street": lambda v: clean_text(v, 500, "street"),
        "postal_code": _postal_code,
    }
    for field, rule in rules.items():
        try:
            clean[field] = rule(address.get(field))
        except ValidationError as exc:
            errors[field] = exc.message
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return clean


def _postal_code(value) -> str:
    code = (value or "").strip()
    if len(code) != 5 or not code.isdigit():
        raise ValidationError(_("Enter the 5-digit postal code."), field="postal_code")
    return code


def available_methods() -> list[PaymentMethod]:
    """Card payments only when Stripe is configured; transfer and COD always."""
    methods = [PaymentMethod.BANK_TRANSFER, PaymentMethod.COD]
    if current_app.config.get("STRIPE_SECRET_KEY"):
        methods.insert(0, PaymentMethod.STRIPE)
    return methods


def _sellable_lines(cart: Cart) -> list:
    variants = db.session.scalars(
        select(Variant)
        .where(Variant.id.in_([line.variant_id for line in cart.lines]))
        .options(selectinload(Variant.product).selectinload(Product.store))
    ).all()
    by_id = {v.id: v for v in variants}
    lines = []
    for line in cart.lines:
        variant = by_id.get(line.variant_id)
        product = variant.product if variant else None
        if (variant is None or not variant.active or product.status != ProductStatus.ACTIVE
                or product.hidden or product.store.status != StoreStatus.VERIFIED):
            raise Conflict(_("%(title)s is no longer sold. Remove it from your cart to continue.",
                             title=product.title if product else _("A product")))
        lines.append((variant, line.quantity))
    return lines


def place_order(buyer: User, cart: Cart, address: dict, method: PaymentMethod,
                shipping: dict[int, ShippingMethod], notes: dict[int, str] | None = None,
                expected_total: int | None = None, save_address: bool = False,
                expected_subtotal: int | None = None) -> Checkout:
    """Turn the buyer's cart into one checkout with one order per store; reserve all stock.

    Prices come from the database, never from the form. If `expected_total` (what the buyer
    saw) differs from the real total, or `expected_subtotal` (the goods alone, for a page whose
    shipping choice can change without reloading) differs, nothing is placed so the buyer can
    review the change.
    On any error the caller rolls back; nothing is half-written.

    :raises ValidationError: empty cart, bad address, unknown payment or shipping method.
    :raises Conflict: a product is no longer sold, or the total changed since it was shown.
    :raises OutOfStock: not enough units for a line (stok habis).
    """
    if cart is None or cart.user_id != buyer.id or not cart.lines:
        raise ValidationError(_("Your cart is empty."))
    if method not in available_methods():
        raise ValidationError(_("Choose a payment method from the list."), field="method")
    clean_address = check_address(address)
    notes = notes or {}

    by_store: dict[int, list] = {}
    for variant, quantity in _sellable_lines(cart):
        by_store.setdefault(variant.product.store_id, []).append((variant, quantity))

    checkout = Checkout(reference=new_reference("PM"), buyer=buyer, payment_method=method,
                        total=0, **clean_address)
    status = OrderStatus.NEW if method == PaymentMethod.COD else OrderStatus.AWAITING_PAYMENT
    for store_id in sorted(by_store):
        store = by_store[store_id][0][0].product.store
        checkout.orders.append(_build_order(buyer, store, by_store[store_id], status, method,
                                            shipping.get(store_id), notes.get(store_id),
                                            clean_address))
    checkout.total = sum(order.total for order in checkout.orders)
    subtotal = sum(order.subtotal for order in checkout.orders)
    if ((expected_total is not None and expected_total != checkout.total)
            or (expected_subtotal is not None and expected_subtotal != subtotal)):
        raise Conflict(_("Prices or shipping changed since you opened this page. Please check "
                         "the new total before ordering."))
    db.session.add(checkout)
    db.session.add(Payment(checkout=checkout, method=method, amount=checkout.total))

    quantities, titles = {}, {}
    for order in checkout.orders:
        for line in order.lines:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
            titles[line.variant_id] = line.title
    db.session.flush()
    reserve_stock(quantities, titles)
    cart.lines.clear()
    if save_address:
        _remember_address(buyer, clean_address)
    notifications.order_placed(checkout)
    db.session.flush()
    return checkout


def _remember_address(buyer: User, address: dict) -> None:
    known = db.session.scalars(select(Address).where(Address.user_id == buyer.id)).all()
    if not any(all(getattr(a, k) == v for k, v in address.items()) for a in known):
        db.session.add(Address(user_id=buyer.id, **address))


def saved_addresses(buyer: User) -> list[Address]:
    """The buyer's saved shipping addresses, newest first."""
    return list(db.session.scalars(select(Address).where(Address.user_id == buyer.id)
                                   .order_by(Address.id.desc())))


def shipping_choices(stores: list[Store], address: dict) -> dict[int, list[ShippingOption]]:
    """For each store, what it offers to the (possibly incomplete) address, with the fee."""
    province, regency = address.get("province_code") or "", address.get("regency") or ""
    return {store.id: shipping_options(store, province, regency) for store in stores}


def _build_order(buyer, store, lines, status, method, shipping_method, note, address) -> Order:
    options = {o.method: o.fee for o in shipping_options(store, address["province_code"],
                                                         address["regency"])}
    if shipping_method not in options:
        raise ValidationError(_("Choose how %(store)s sends your order.", store=store.name),
                              field=f"shipping-{store.id}")
    order = Order(reference=new_reference("INV"), store=store, buyer=buyer, status=status,
                  payment_method=method, shipping_method=shipping_method,
                  shipping_fee=options[shipping_method],
                  note_to_seller=clean_text(note, 500, "note", required=False) or None)
    for variant, quantity in lines:
        order.lines.append(OrderLine(
            product_id=variant.product_id, variant_id=variant.id, title=variant.product.title,
            variant_label=variant.label, sku=variant.sku, store_name=store.name,
            unit_price=variant.price, quantity=quantity, line_total=variant.price * quantity,
        ))
    order.subtotal = sum(line.line_total for line in order.lines)
    order.total = order.subtotal + order.shipping_fee
    order.events.append(OrderEvent(actor_id=buyer.id, from_status=None, to_status=status))
    return order
