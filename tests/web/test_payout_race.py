"""Payouts over real HTTP threads: one payout per submit and per bank reference, and a store's
balance never below zero however many staff press "paid" at once."""

import threading
from collections import Counter

from sqlalchemy import func, select

from marketplace.models import LedgerEntry, Payout, Store
from marketplace.services.payouts import ledger

SUBMITS = 8


def _post_at_once(app, staff_id: int, path: str, forms: list[dict]) -> list[int]:
    codes: list[int] = []
    start = threading.Barrier(len(forms))

    def submit(form: dict) -> None:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = f"{staff_id}:0"  # a new account: session version 0
            session["_fresh"] = True
        start.wait()
        codes.append(client.post(path, data=form).status_code)

    threads = [threading.Thread(target=submit, args=(f,)) for f in forms]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def _owed_store(db, paid_order, make_product, make_store, price=90_000):
    store = make_store()
    paid_order(items=[(make_product(store=store, price=price), 1)])
    store_id = store.id
    db.session.commit()
    return store_id


def _payouts(db, store_id):
    db.session.rollback()  # a fresh snapshot that sees what the threads committed
    count = db.session.scalar(select(func.count()).select_from(Payout)
                              .where(Payout.store_id == store_id))
    return count, ledger.balance(db.session.get(Store, store_id))


def test_the_same_payout_sent_eight_times_at_once_is_recorded_once(
        app, db, db_kind, staff, paid_order, make_product, make_store):
    store_id = _owed_store(db, paid_order, make_product, make_store)
    form = {"amount": "40000", "reference": "BRI 2026-12-01 0042",
            "idempotency_key": "3f2a9c0e8b7d4e61a5c2f0d9e8b7a6c5"}
    codes = _post_at_once(app, staff.id, f"/staff/payouts/{store_id}", [form] * SUBMITS)
    count, balance = _payouts(db, store_id)
    print(f"\npayout duplicates[{db_kind}]: submits={SUBMITS} codes={dict(Counter(codes))} "
          f"payouts={count} balance={balance}")
    assert codes == [302] * SUBMITS  # each duplicate answers with the payout already there
    assert (count, balance) == (1, 50_000)


def test_same_bank_reference_without_a_key_is_one_payout(client, db, login, staff, paid_order,
                                                         make_product, make_store):
    store_id = _owed_store(db, paid_order, make_product, make_store)
    login(staff)
    form = {"amount": "40000", "reference": "BRI-778899"}
    assert client.post(f"/staff/payouts/{store_id}", data=form).status_code == 302
    again = client.post(f"/staff/payouts/{store_id}", data=form, follow_redirects=True)
    assert "sudah dicatat" in again.get_data(as_text=True)
    assert _payouts(db, store_id) == (1, 50_000)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.payout_id.is_not(None))) == 1


def test_many_different_payouts_at_once_never_overdraw(app, db, db_kind, staff, paid_order,
                                                       make_product, make_store):
    store_id = _owed_store(db, paid_order, make_product, make_store)
    forms = [{"amount": "40000", "reference": f"BRI-{n:04d}"} for n in range(SUBMITS)]
    codes = _post_at_once(app, staff.id, f"/staff/payouts/{store_id}", forms)
    count, balance = _payouts(db, store_id)
    print(f"\npayout overdraw[{db_kind}]: submits={SUBMITS} codes={dict(Counter(codes))} "
          f"payouts={count} balance={balance}")
    assert sorted(codes) == [302, 302] + [409] * (SUBMITS - 2)
    assert (count, balance) == (2, 10_000)
