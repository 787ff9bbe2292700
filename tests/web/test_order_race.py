"""Racing actions on one order over real HTTP threads: exactly one wins, the other gets a 409.

The buyer's cancel races the seller's accept on paid bank-transfer and on COD orders, and two
reviews of one order line race each other. Every end state must be consistent: a cancelled
order gave its stock back once and (if paid) was refunded once; an accepted one kept both.
"""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from marketplace.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Refund,
    Review,
    Variant,
)

TRIES = 20
STOCK, BOUGHT = 10, 2


def _race(app, requests: list[tuple]) -> list[tuple[int, str]]:
    """POST every (user id or None, path, form or raw body[, headers]) at the same moment, each
    from its own thread and client; the answers come back in the order of `requests`."""
    results: list[tuple[int, str]] = [(0, "")] * len(requests)
    start = threading.Barrier(len(requests))

    def act(index: int, user_id: int | None, path: str, data, headers=None) -> None:
        client = app.test_client()
        if user_id is not None:
            with client.session_transaction() as session:
                session["_user_id"] = f"{user_id}:0"  # a new account: session version 0
                session["_fresh"] = True
        start.wait()
        response = client.post(path, data=data, headers=headers)
        results[index] = (response.status_code, response.get_data(as_text=True))

    threads = [threading.Thread(target=act, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _end_state(db, order_id: int, variant_id: int, paid: bool) -> str:
    """"cancelled" or "processing" when consistent; a description of what is wrong otherwise."""
    db.session.expire_all()
    order = db.session.get(Order, order_id)
    stock = db.session.get(Variant, variant_id).stock
    refunds = db.session.scalar(select(func.coalesce(func.sum(Refund.amount), 0))
                                .where(Refund.order_id == order_id))
    debits = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(
        LedgerEntry.order_id == order_id, LedgerEntry.kind == LedgerKind.REFUND))
    if order.status == OrderStatus.CANCELLED:
        refunded = order.total if paid else 0
        if (stock, refunds, order.refunded_amount, debits) == (STOCK, refunded, refunded,
                                                               int(paid)):
            return "cancelled"
    elif (order.status == OrderStatus.PROCESSING
          and (stock, refunds, order.refunded_amount, debits) == (STOCK - BOUGHT, 0, 0, 0)):
        return "processing"
    return f"inconsistent: {order.status} stock={stock} refunds={refunds} debits={debits}"


@pytest.mark.parametrize("method", [PaymentMethod.BANK_TRANSFER, PaymentMethod.COD])
def test_buyer_cancel_races_seller_accept(app, db, db_kind, make_product, make_order, method):
    ends: Counter = Counter()
    codes: Counter = Counter()
    for _ in range(TRIES):
        product = make_product(price=17000, stock=STOCK)
        checkout = make_order(items=[(product, BOUGHT)], method=method)
        if method == PaymentMethod.BANK_TRANSFER:
            from tests.fixtures.orders import settle_payment

            settle_payment(checkout)
        order = checkout.orders[0]
        ids = (order.id, product.variants[0].id, order.buyer_id, order.store.owner_id)
        ref = order.reference
        db.session.commit()  # hold no transaction (nor SQLite lock) while the threads run
        results = _race(app, [
            (ids[2], f"/account/orders/{ref}/cancel", {"reason": "Salah pilih ukuran"}),
            (ids[3], f"/vendor/orders/{ref}/accept", {}),
        ])
        outcome = sorted(code for code, _ in results)
        codes[tuple(outcome)] += 1
        assert outcome == [302, 409], results
        loser = next(body for code, body in results if code == 409)
        assert "Muat ulang" in loser  # told in Indonesian (the default) what to do
        ends[_end_state(db, ids[0], ids[1], method == PaymentMethod.BANK_TRANSFER)] += 1
    print(f"\norder race[{db_kind}, {method.value}]: tries={TRIES} codes={dict(codes)} "
          f"end states={dict(ends)}")
    assert set(ends) <= {"cancelled", "processing"}, ends


def test_two_reviews_of_one_line_at_once_keep_one(app, db, db_kind, order_in):
    outcomes: Counter = Counter()
    for _ in range(TRIES // 2):
        order = order_in(OrderStatus.DELIVERED)
        line_id, buyer_id, ref = order.lines[0].id, order.buyer_id, order.reference
        db.session.commit()  # hold no transaction (nor SQLite lock) while the threads run
        path = f"/account/orders/{ref}/review/{line_id}"
        results = _race(app, [(buyer_id, path, {"rating": "5", "text": "Renyah"}),
                              (buyer_id, path, {"rating": "4", "text": "Enak"})])
        outcome = sorted(code for code, _ in results)
        outcomes[tuple(outcome)] += 1
        assert 500 not in outcome, results
        assert db.session.scalar(select(func.count()).select_from(Review)
                                 .where(Review.order_line_id == line_id)) == 1
    print(f"\nreview race[{db_kind}]: tries={TRIES // 2} codes={dict(outcomes)}")


def test_buyer_cancel_races_staff_confirming_the_transfer(app, db, db_kind, make_product,
                                                          make_order, make_user):
    staff_id = make_user("staff").id
    ends: Counter = Counter()
    for _ in range(TRIES):
        product = make_product(price=17000, stock=STOCK)
        checkout = make_order(items=[(product, BOUGHT)], method=PaymentMethod.BANK_TRANSFER)
        payment = db.session.scalar(select(Payment).where(Payment.checkout_id == checkout.id))
        order_id, variant_id, payment_id = checkout.orders[0].id, product.variants[0].id, \
            payment.id
        buyer_id, ref = checkout.buyer_id, checkout.reference
        db.session.commit()
        results = _race(app, [
            (buyer_id, f"/checkout/{ref}/cancel", {"reason": "Berubah pikiran"}),
            (staff_id, f"/staff/payments/{payment_id}/confirm", {"note": "Dana masuk"}),
        ])
        assert sorted(code for code, _ in results) == [302, 409], results
        db.session.expire_all()
        order, payment = db.session.get(Order, order_id), db.session.get(Payment, payment_id)
        stock = db.session.get(Variant, variant_id).stock
        sales = db.session.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.order_id == order_id, LedgerEntry.kind == LedgerKind.SALE))
        state = (order.status, order.payment_status, payment.status, stock, sales)
        if state == (OrderStatus.CANCELLED, PaymentStatus.PENDING, PaymentStatus.FAILED,
                     STOCK, 0):
            ends["cancelled"] += 1
        elif state == (OrderStatus.NEW, PaymentStatus.PAID, PaymentStatus.PAID,
                       STOCK - BOUGHT, 1):
            ends["paid"] += 1
        else:
            ends[f"inconsistent: {state}"] += 1
    print(f"\ntransfer race[{db_kind}]: tries={TRIES} end states={dict(ends)}")
    assert set(ends) <= {"cancelled", "paid"}, ends


def test_seller_accepting_one_refund_request_twice_at_once_refunds_once(app, db, db_kind,
                                                                        order_in):
    from marketplace.services.orders import fulfilment

    outcomes: Counter = Counter()
    for _ in range(TRIES // 2):
        order = order_in(OrderStatus.SHIPPED)
        request = fulfilment.request_refund(order.buyer, order, "Satu bungkus rusak", 5000)
        db.session.commit()
        path = f"/vendor/orders/{order.reference}/refund-requests/{request.id}"
        order_id, owner_id = order.id, order.store.owner_id
        db.session.commit()
        results = _race(app, [(owner_id, path, {"decision": "accept", "note": "Maaf"}),
                              (owner_id, path, {"decision": "accept", "note": "Maaf"})])
        outcomes[tuple(sorted(code for code, _ in results))] += 1
        db.session.expire_all()
        assert db.session.get(Order, order_id).refunded_amount == 5000
        assert db.session.scalar(select(func.count()).select_from(Refund)
                                 .where(Refund.order_id == order_id)) == 1
    print(f"\nrefund race[{db_kind}]: tries={TRIES // 2} codes={dict(outcomes)}")
    assert set(outcomes) == {(302, 409)}, outcomes


def test_card_money_racing_the_buyers_cancel_is_booked_or_given_back(app, db, db_kind,
                                                                     stripe_on, make_product,
                                                                     make_order):
    import json

    import stripe

    from marketplace import stripe_gateway
    from marketplace.models import PaymentIssue
    from tests.fixtures.orders import signed

    remote = stripe.StripeClient("sk_test_pasar", base_addresses={"api": stripe_on.base},
                                 max_network_retries=0)
    ends: Counter = Counter()
    for n in range(TRIES // 2):
        product = make_product(price=34000, stock=STOCK)
        checkout = make_order(items=[(product, BOUGHT)], method=PaymentMethod.STRIPE)
        order_id, buyer_id, ref = checkout.orders[0].id, checkout.buyer_id, checkout.reference
        with app.test_request_context():  # the buyer paid on Stripe's hosted page
            intent = stripe_gateway.create_payment_intent(ref, checkout.total, "pm_card_visa", 1)
            intent = stripe_gateway.confirm_payment_intent(ref, intent.id, 1)
        body = json.dumps({"id": f"evt_race_{n}", "type": "checkout.session.completed",
                           "data": {"object": {
                               "id": f"cs_race_{n}", "object": "checkout.session",
                               "payment_status": "paid", "amount_total": intent.amount,
                               "currency": "idr", "client_reference_id": ref,
                               "payment_intent": intent.id}}})
        db.session.commit()
        (cancelled, _), (hook, _) = _race(app, [
            (buyer_id, f"/checkout/{ref}/cancel", {}),
            (None, "/webhooks/stripe", body, signed(body)),
        ])
        codes = {"cancel": cancelled, "webhook": hook}
        db.session.rollback()
        order = db.session.get(Order, order_id)
        refunded = [r.amount for r in remote.v1.refunds.list(
            {"payment_intent": intent.id}).auto_paging_iter()]
        issues = db.session.scalar(select(func.count()).select_from(PaymentIssue))
        assert codes["webhook"] == 200 and codes["cancel"] in (302, 409), codes
        if order.status == OrderStatus.NEW and not refunded and codes["cancel"] == 409:
            ends["paid"] += 1
        elif (order.status == OrderStatus.CANCELLED and refunded == [intent.amount]
              and issues == 1):
            ends["cancelled, money back"] += 1
        else:
            ends[f"inconsistent: {order.status} refunds={refunded} codes={codes}"] += 1
        db.session.execute(PaymentIssue.__table__.delete())
        db.session.commit()
    print(f"\ncard race[{db_kind}]: tries={TRIES // 2} end states={dict(ends)}")
    assert set(ends) <= {"paid", "cancelled, money back"}, ends
