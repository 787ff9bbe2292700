"""Money never disappears: random sequences of orders, payments, cancellations, refunds and
payouts keep every store's balance equal to paid sales - fees - refunds - payouts, and no
payout takes a balance below zero."""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from marketplace.errors import Conflict, InvalidTransition, ValidationError
from marketplace.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    PaymentMethod,
    Refund,
    ShippingMethod,
)
from marketplace.services.orders import fulfilment
from marketplace.services.orders.cart import add_to_cart, cart_for_user
from marketplace.services.orders.checkout import place_order
from marketplace.services.payouts import ledger
from tests.fixtures.orders import ADDRESS, settle_payment

EXAMPLES = int(os.environ.get("LEDGER_EXAMPLES", "60"))
RUN = {"examples": 0, "steps": 0}

store_index = st.integers(0, 1)
order_index = st.integers(0, 7)
operations = st.lists(st.one_of(
    st.tuples(st.just("place"), store_index, st.integers(1, 3),
              st.sampled_from([PaymentMethod.COD, PaymentMethod.BANK_TRANSFER])),
    st.tuples(st.just("pay"), order_index),
    st.tuples(st.just("accept"), order_index),
    st.tuples(st.just("cancel"), order_index, st.sampled_from(["buyer", "vendor"])),
    st.tuples(st.just("refund"), order_index, st.integers(1, 120_000)),
    st.tuples(st.just("payout"), store_index, st.integers(1, 200_000)),
), min_size=1, max_size=14)


@pytest.fixture
def world(db, make_store, make_product, make_user):
    """Two stores (no fee, and 2.75%), a product each, a buyer and a staff member."""
    stores = [make_store(), make_store()]
    stores[1].fee_rate_bp = 275
    products = [make_product(store=s, price=17_300 + 1_000 * i, stock=100_000)
                for i, s in enumerate(stores)]
    db.session.commit()
    return stores, products, make_user(), make_user("staff")


class Books:
    """The expected figures per store, kept by the test from what it did, not from the ledger."""

    def __init__(self, stores):
        self.start = {s.id: ledger.balance(s) for s in stores}
        self.sales = dict.fromkeys(self.start, 0)
        self.fees = dict.fromkeys(self.start, 0)
        self.refunds = dict.fromkeys(self.start, 0)  # money back to buyers
        self.fees_back = dict.fromkeys(self.start, 0)
        self.payouts = dict.fromkeys(self.start, 0)
        self.refunded = {}  # order id -> refunded so far

    def expected(self, store_id) -> int:
        return (self.start[store_id] + self.sales[store_id] - self.fees[store_id]
                + self.fees_back[store_id] - self.refunds[store_id] - self.payouts[store_id])

    def refund(self, order, amount, fee_rate_bp):
        fee = order.total * fee_rate_bp // 10_000
        before = self.refunded.get(order.id, 0)
        after = before + amount
        self.refunded[order.id] = after
        self.refunds[order.store_id] += amount
        # The fee goes back in proportion to what was refunded, rounded down.
        self.fees_back[order.store_id] += fee * after // order.total - fee * before // order.total


def _place(db, buyer, product, quantity, method):
    cart = cart_for_user(buyer)
    add_to_cart(cart, product.variants[0].id, quantity)
    checkout = place_order(buyer, cart, dict(ADDRESS), method,
                           {product.store_id: ShippingMethod.PICKUP})
    db.session.commit()
    return checkout


@settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_balances_always_add_up(db, world, ops):
    stores, products, buyer, staff = world
    books = Books(stores)
    rates = {s.id: s.fee_rate_bp for s in stores}
    placed = []  # (checkout, order)
    paid = set()
    RUN["examples"] += 1
    for op in ops:
        RUN["steps"] += 1
        kind = op[0]
        if kind == "place":
            checkout = _place(db, buyer, products[op[1]], op[2], op[3])
            placed.append((checkout, checkout.orders[0]))
            continue
        if kind == "payout":
            store = stores[op[1]]
            before = ledger.balance(store)
            if op[2] > before:
                with pytest.raises(Conflict):
                    ledger.record_payout(staff, store, op[2], f"TRF-{RUN['steps']}")
                db.session.rollback()
            else:
                ledger.record_payout(staff, store, op[2], f"TRF-{RUN['steps']}")
                db.session.commit()
                books.payouts[store.id] += op[2]
                assert ledger.balance(store) >= 0
        elif not placed:
            continue
        else:
            checkout, order = placed[op[1] % len(placed)]
            _act(db, kind, op, checkout, order, paid, books, rates, staff)
        for store in stores:
            assert ledger.balance(store) == books.expected(store.id)
    _check_totals(db, stores, books)


def _act(db, kind, op, checkout, order, paid, books, rates, staff):
    if kind == "pay":
        if order.status == OrderStatus.CANCELLED or order.id in paid:
            return
        settle_payment(checkout)
        paid.add(order.id)
        books.sales[order.store_id] += order.total
        books.fees[order.store_id] += order.total * rates[order.store_id] // 10_000
    elif kind == "accept":
        try:
            fulfilment.accept_order(order.store.owner, order)
            db.session.commit()
        except InvalidTransition:
            db.session.rollback()
    elif kind == "cancel":
        actor = order.buyer if op[2] == "buyer" else order.store.owner
        remaining = fulfilment.refundable(order)
        try:
            fulfilment.cancel_order(actor, order, "dibatalkan")
        except InvalidTransition:
            db.session.rollback()
            return
        db.session.commit()
        if remaining:
            books.refund(order, remaining, rates[order.store_id])
    elif kind == "refund":
        remaining = fulfilment.refundable(order)
        amount = op[2]
        try:
            request = fulfilment.request_refund(order.buyer, order, "rusak", amount)
            fulfilment.decide_refund_request(order.store.owner, request, True, "ok")
        except (Conflict, ValidationError):
            db.session.rollback()
            assert (order.status not in (OrderStatus.PROCESSING, OrderStatus.SHIPPED,
                                         OrderStatus.DELIVERED)
                    or not remaining or amount > remaining)
            return
        db.session.commit()
        books.refund(order, amount, rates[order.store_id])


def _check_totals(db, stores, books):
    for store in stores:
        totals = ledger.totals_by_kind(store)
        refunds_paid = db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount), 0)).join(Order)
            .where(Order.store_id == store.id))
        assert -totals[LedgerKind.PAYOUT] >= books.payouts[store.id]
        assert refunds_paid >= books.refunds[store.id]
    signs = db.session.execute(select(LedgerEntry.kind, func.min(LedgerEntry.amount),
                                      func.max(LedgerEntry.amount))
                               .group_by(LedgerEntry.kind)).all()
    for kind, low, high in signs:
        assert (low > 0) if kind == LedgerKind.SALE else (high < 0)


def test_report_examples_run():
    """Prints how many examples the property test ran (read it with -s or in the summary)."""
    print(f"\nledger property: {RUN['examples']} examples, {RUN['steps']} steps")
    if RUN["examples"]:
        assert RUN["examples"] >= min(EXAMPLES, 10)
