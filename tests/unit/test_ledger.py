"""Ledger: sales, fees returned with refunds, payouts never above the balance, staff only."""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.database import write_intent
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, LedgerKind, OrderStatus, Payout, Store, User
from marketplace.services import fulfilment, ledger


def test_sale_and_fee_once(db, paid_order, make_store, make_product):
    store = make_store()
    store.fee_rate_bp = 250
    db.session.commit()
    order = paid_order(items=[(make_product(store=store, price=40_000), 1)])
    assert ledger.record_sale(order) is False
    totals = ledger.totals_by_kind(store)
    assert totals[LedgerKind.SALE] == 40_000 and totals[LedgerKind.FEE] == -1_000
    assert ledger.balance(store) == 39_000


def test_full_refund_returns_the_fee(db, paid_order, make_store, make_product):
    store = make_store()
    store.fee_rate_bp = 333
    db.session.commit()
    order = paid_order(items=[(make_product(store=store, price=33_333), 1)])
    fulfilment.cancel_order(order.store.owner, order, "habis")
    db.session.commit()
    assert ledger.balance(store) == 0


def test_payout_rules(db, paid_order, make_user):
    order = paid_order()
    store, staff = order.store, make_user("staff")
    with pytest.raises(PermissionDenied):
        ledger.record_payout(store.owner, store, 1000, "TRF")
    for amount in (0, -1, "1000", 1.5, True):
        with pytest.raises(ValidationError):
            ledger.record_payout(staff, store, amount, "TRF")
    with pytest.raises(ValidationError):
        ledger.record_payout(staff, store, 1000, "  ")
    with pytest.raises(Conflict):
        ledger.record_payout(staff, store, order.total + 1, "TRF")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0
    assert ledger.balance(store) == order.total
    ledger.record_payout(staff, store, order.total, "BRI-778899")
    db.session.commit()
    assert ledger.balance(store) == 0
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ledger.payout"))
    assert audit.actor_id == staff.id and audit.after["reference"] == "BRI-778899"


def test_stores_to_pay_threshold(db, paid_order, make_user, make_product):
    big = paid_order(items=[(make_product(price=90_000), 1)])
    small = paid_order(items=[(make_product(price=10_000), 1)])
    staff = make_user("staff")
    rows = ledger.stores_to_pay(staff, 50_000)
    assert [(s.id, int(b)) for s, b in rows] == [(big.store_id, 90_000)]
    assert len(ledger.stores_to_pay(staff, 1)) == 2
    assert small.store_id in {s.id for s, _b in ledger.stores_to_pay(staff, 1)}
    with pytest.raises(PermissionDenied):
        ledger.stores_to_pay(big.buyer, 1)


def test_two_staff_paying_at_once_never_overdraw(app, db, paid_order, make_user):
    order = paid_order()
    store_id, total = order.store_id, order.total
    staff_ids = [make_user("staff").id, make_user("staff").id]
    db.session.rollback()
    results = []

    def pay(staff_id):
        with app.app_context(), write_intent():
            staff = _db.session.get(User, staff_id)
            store = _db.session.get(Store, store_id)
            try:
                ledger.record_payout(staff, store, total, f"TRF-{staff_id}")
                _db.session.commit()
                results.append("paid")
            except Conflict:
                _db.session.rollback()
                results.append("refused")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=pay, args=(i,)) for i in staff_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["paid", "refused"]
    db.session.rollback()  # end this session's snapshot to see the threads' work
    assert ledger.balance(db.session.get(Store, store_id)) == 0


def test_cod_sale_is_credited_only_when_cash_received(db, make_order):
    order = make_order().orders[0]
    fulfilment.accept_order(order.store.owner, order)
    fulfilment.hand_over(order.store.owner, order)
    db.session.commit()
    assert order.status == OrderStatus.DELIVERED
    assert ledger.balance(order.store) == 0
