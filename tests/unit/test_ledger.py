"""Ledger: sales, fees returned with refunds, payouts never above the balance, staff only."""

import threading

import pytest
from sqlalchemy import func, select

from marketplace.database import write_intent
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, LedgerKind, OrderStatus, Payout, Store, User
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger


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


def _walk(staff, threshold: int, per_page: int) -> tuple[list, list]:
    """Every page of the payouts list, following the keys forward and then back again."""
    forward = [ledger.payouts_page(staff, threshold, per_page=per_page)]
    while forward[-1].next_after:
        forward.append(ledger.payouts_page(staff, threshold, after=forward[-1].next_after,
                                           per_page=per_page))
    backward = [forward[-1]]
    while backward[-1].previous_before:
        backward.append(ledger.payouts_page(staff, threshold,
                                            before=backward[-1].previous_before,
                                            per_page=per_page))
    return forward, backward


def _ids(pages) -> list[tuple[int, int]]:
    return [(store.id, int(balance)) for page in pages for store, balance in page.rows]


def test_payouts_pages_list_every_store_once_with_the_totals(db, owed_stores, staff):
    everyone = [(s.id, int(b)) for s, b in ledger.stores_to_pay(staff, 50_000)]
    assert [b for _id, b in everyone] == [120_000, 70_000, 60_000, 60_000, 60_000, 55_000]
    for per_page in (1, 2, 4, 6, 50):
        forward, backward = _walk(staff, 50_000, per_page)
        assert _ids(forward) == everyone
        assert _ids(reversed(backward)) == everyone
        assert forward[0].previous_before is None and forward[-1].next_after is None
        assert all(len(page.rows) == per_page for page in forward[:-1])
        for page in forward:
            assert (page.stores, page.total) == (6, 425_000)
    nobody = ledger.payouts_page(staff, 200_000)
    assert (nobody.rows, nobody.stores, nobody.total, nobody.next_after) == ([], 0, 0, None)


def test_a_store_paid_meanwhile_moves_no_other_store_off_the_pages(db, owed_stores, staff):
    first = ledger.payouts_page(staff, 50_000, per_page=2)
    paid, _balance = first.rows[0]
    ledger.record_payout(staff, paid, 120_000, "BRI-0001")
    db.session.commit()
    second = ledger.payouts_page(staff, 50_000, after=first.next_after, per_page=2)
    everyone = [(s.id, int(b)) for s, b in ledger.stores_to_pay(staff, 1)]
    assert _ids([first])[1:] + _ids([second]) == everyone[:3]
    assert (second.stores, second.total) == (5, 305_000)
    # A page of keys beyond the end (its stores were paid since) is the first page again.
    assert _ids([ledger.payouts_page(staff, 50_000, after=(1, 1), per_page=2)]) == everyone[:2]
    assert _ids([ledger.payouts_page(staff, 50_000, before=(10**9, 1), per_page=2)]
                ) == everyone[:2]


def test_payouts_page_is_for_staff_only(db, owed_stores, make_user):
    with pytest.raises(PermissionDenied):
        ledger.payouts_page(make_user("vendor"), 1)
