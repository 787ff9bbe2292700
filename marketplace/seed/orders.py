"""Seed step 3: demo orders placed through place_order, spread over the last four months, in
every status, with their ledger entries, a few refunds, reviews and one payout.

Orders are placed and moved through the real services; only their timestamps are moved back
afterwards, so the sales dashboard has history to draw.
"""

import random
import time
from collections.abc import Iterator
from datetime import timedelta

import click
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    LedgerEntry,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    Product,
    ProductStatus,
    Store,
    StoreStatus,
    User,
    Variant,
)
from marketplace.seed.base import DEMO_PASSWORD
from marketplace.services.orders import fulfilment
from marketplace.services.orders.cart import add_to_cart, cart_for_user
from marketplace.services.orders.checkout import place_order, shipping_options
from marketplace.services.payments import methods
from marketplace.services.payouts import ledger
from marketplace.services.reviews import ratings
from marketplace.services.users.accounts import create_user, find_user_by_email

S = OrderStatus
BUYERS = [("pembeli@contoh.id", "Siti Pembeli"), ("rina.buyer@contoh.id", "Rina Lestari"),
          ("agus.buyer@contoh.id", "Agus Santoso"), ("maria.buyer@contoh.id", "Maria Ulfa")]
ADDRESS = {"recipient": "Siti Pembeli", "phone": "081311112222", "province_code": "33",
           "regency": "Kota Pekalongan", "district": "Pekalongan Barat",
           "street": "Jl. Merdeka No. 5 RT 02/RW 03", "postal_code": "51111"}
#: Target status of each demo order, in turn (weighted towards completed sales).
PLAN = [S.COMPLETED, S.COMPLETED, S.DELIVERED, S.COMPLETED, S.SHIPPED, S.PROCESSING,
        S.COMPLETED, S.NEW, S.CANCELLED, S.COMPLETED, S.AWAITING_PAYMENT, S.COMPLETED]
REVIEW_TEXTS = ["Enak dan renyah, pengiriman cepat.", "Sesuai foto, kualitas bagus.",
                "Penjual ramah, akan beli lagi.", "Kemasan rapi.", ""]


def _buyers() -> list[User]:
    people = []
    for email, name in BUYERS:
        user = find_user_by_email(email) or create_user(email, DEMO_PASSWORD, "buyer", name=name)
        people.append(user)
    return people


def _settle(order: Order) -> None:
    """The buyer's transfer was confirmed by staff (all the checkout's orders become paid)."""
    methods.confirm_payment(methods.payment_for(order.checkout), None,
                            "Transfer dicek staf (data demo)")


def _candidates(rng: random.Random) -> list[Variant]:
    rows = db.session.scalars(
        select(Variant).join(Product).join(Store, Store.id == Product.store_id)
        .where(Store.status == StoreStatus.VERIFIED, Product.status == ProductStatus.ACTIVE,
               Product.hidden.is_(False), Variant.active.is_(True), Variant.stock >= 20)
        .order_by(Store.id, Variant.id).limit(300)).all()
    by_store: dict[int, list[Variant]] = {}
    for variant in rows:
        by_store.setdefault(variant.store_id, []).append(variant)
    # Most orders go to the first demo store (the demo vendor's), so its dashboard is full.
    first = next(iter(by_store.values()), [])
    return first * 3 + rows if first else rows


def _place(buyer: User, variant: Variant, quantity: int, method: PaymentMethod) -> Order | None:
    store = variant.product.store
    options = shipping_options(store, ADDRESS["province_code"], ADDRESS["regency"])
    if not options:
        return None
    cart = cart_for_user(buyer)
    cart.lines.clear()
    add_to_cart(cart, variant.id, quantity)
    address = {**ADDRESS, "recipient": buyer.name}
    checkout = place_order(buyer, cart, address, method, {store.id: options[0].method})
    return checkout.orders[0]


def _advance(order: Order, target: OrderStatus, rng: random.Random) -> None:
    owner, buyer = order.store.owner, order.buyer
    if target == S.AWAITING_PAYMENT:
        return
    if target == S.CANCELLED:
        if order.payment_method != PaymentMethod.COD:
            _settle(order)
        fulfilment.cancel_order(owner, order, "Stok bahan baku sedang habis")
        return
    if order.payment_method != PaymentMethod.COD:
        _settle(order)
    if target == S.NEW:
        return
    fulfilment.accept_order(owner, order)
    if target == S.PROCESSING:
        return
    if order.shipping_method.value == "courier":
        fulfilment.ship_order(owner, order, "JNE", f"JNE{rng.randrange(10**9, 10**10)}")
        if target == S.SHIPPED:
            return
        fulfilment.mark_delivered(owner, order)
    elif target == S.SHIPPED and order.shipping_method.value == "self_delivery":
        fulfilment.ship_order(owner, order)
        return
    else:
        fulfilment.hand_over(owner, order)
    if order.payment_method == PaymentMethod.COD:
        methods.record_cash_received(owner, order)
    if target == S.COMPLETED:
        fulfilment.confirm_receipt(buyer, order)
        if rng.random() < 0.6:
            line = order.lines[0]
            ratings.create_review(buyer, line, rng.choice([5, 5, 4, 4, 3]),
                                  rng.choice(REVIEW_TEXTS))


def _backdate(order: Order, days_ago: float) -> None:
    """Move the order's history back in time, keeping the gaps between its steps."""
    shift = timedelta(days=days_ago)
    for name in ("created_at", "paid_at", "accepted_at", "shipped_at", "delivered_at",
                 "completed_at", "cancelled_at"):
        value = getattr(order, name)
        if value is not None:
            setattr(order, name, value - shift)
    for event in db.session.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id)):
        event.created_at -= shift
    for entry in db.session.scalars(select(LedgerEntry)
                                    .where(LedgerEntry.order_id == order.id)):
        entry.created_at -= shift


def seed_orders(wanted: int, progress: bool = True) -> Iterator[str]:
    """Add demo orders until there are `wanted`; one payout for the busiest store."""
    started = time.perf_counter()
    have = db.session.scalar(select(func.count()).select_from(Order))
    missing = max(wanted - have, 0)
    if missing == 0:
        yield f"Orders: 0 added ({have} already)."
        return
    rng = random.Random(6)
    buyers = _buyers()
    candidates = _candidates(rng)
    if not candidates:
        yield "Orders: none added (no products with stock to order)."
        return
    added = 0
    bar = click.progressbar(length=missing, label="Orders") if progress else None
    for number in range(missing):
        target = PLAN[number % len(PLAN)]
        method = (PaymentMethod.COD if number % 3 == 0 or target == S.NEW
                  else PaymentMethod.BANK_TRANSFER)
        order = _place(rng.choice(buyers), rng.choice(candidates), rng.randint(1, 3), method)
        if order is None:
            continue
        _advance(order, target, rng)
        # Older orders are the finished ones; the open ones are from the last days.
        recent = target in (S.NEW, S.PROCESSING, S.SHIPPED, S.AWAITING_PAYMENT)
        _backdate(order, rng.uniform(0, 1.5) if recent else rng.uniform(4, 120))
        db.session.flush()
        added += 1
        if bar is not None:
            bar.update(1)
        if added % 50 == 0:
            db.session.commit()
    if bar is not None:
        bar.render_finish()
    db.session.commit()
    staff = db.session.scalar(select(User).where(User.is_staff.is_(True)).limit(1))
    rows = ledger.stores_to_pay(staff, 100_000) if staff else []
    if rows:
        store, owed = rows[0]
        ledger.record_payout(staff, store, int(owed) // 2, "BRI-DEMO-0001")
    yield (f"Orders: {added} added ({wanted} wanted) in {time.perf_counter() - started:.1f} s.")
