"""/webhooks/stripe: signature first, each event once, any order, only forward."""

import json
import threading
import time

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from marketplace.models import (
    LedgerEntry,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    WebhookEvent,
)
from marketplace.services.payments import methods
from tests.fixtures.orders import WEBHOOK_SECRET, signed
from tests.support.postgres import free_port


@pytest.fixture
def card_order(stripe_on, make_order, make_product, db):
    checkout = make_order(items=[(make_product(price=40000, stock=5), 1)],
                          method=PaymentMethod.STRIPE)
    payment = db.session.scalar(select(Payment))
    payment.provider_ref = "pi_test_" + checkout.reference.replace("-", "")
    db.session.commit()
    return checkout


def _event(checkout, kind="payment_intent.succeeded", event_id="evt_1", intent=None):
    payment_ref = intent or "pi_test_" + checkout.reference.replace("-", "")
    return json.dumps({"id": event_id, "type": kind, "data": {"object": {
        "id": payment_ref, "object": "payment_intent", "amount": checkout.total * 100,
        "currency": "idr", "metadata": {"checkout": checkout.reference},
        "last_payment_error": {"message": "Your card was declined."}}}})


def _post(client, body, **sign):
    return client.post("/webhooks/stripe", data=body, headers=signed(body, **sign))


def _counts(db):
    db.session.expire_all()
    return (db.session.scalar(select(func.count(WebhookEvent.id))),
            db.session.scalar(select(func.count(LedgerEntry.id))),
            db.session.scalar(select(Payment.status)))


def test_succeeded_event_pays_and_the_same_event_ten_times_changes_nothing(client, db,
                                                                           card_order):
    body = _event(card_order)
    assert _post(client, body).get_json()["outcome"] == "paid"
    after_first = _counts(db)
    for _ in range(10):
        response = _post(client, body)
        assert response.status_code == 200 and response.get_json()["outcome"] == "duplicate"
    assert _counts(db) == after_first
    assert after_first[2] == PaymentStatus.PAID
    assert card_order.orders[0].status == OrderStatus.NEW


def test_bad_signature_and_old_timestamp_are_refused_before_reading(client, db, card_order):
    body = _event(card_order)
    assert _post(client, body, secret="whsec_wrong").status_code == 400
    assert _post(client, body, timestamp=int(time.time()) - 3600).status_code == 400
    assert client.post("/webhooks/stripe", data=body).status_code == 400
    assert client.post("/webhooks/stripe", data="not json at all",
                       headers={"Stripe-Signature": "t=1,v1=abc"}).status_code == 400
    assert _counts(db) == (0, 0, PaymentStatus.PENDING)


def test_unknown_type_and_unknown_order_are_acknowledged_and_ignored(client, db, card_order):
    other = json.dumps({"id": "evt_x", "type": "customer.created", "data": {"object": {}}})
    assert _post(client, other).get_json()["outcome"] == "ignored"
    unknown = json.dumps({"id": "evt_y", "type": "payment_intent.succeeded", "data": {
        "object": {"id": "pi_nobody", "object": "payment_intent", "amount": 100,
                   "currency": "idr", "metadata": {"checkout": "PM-NONE-NONE-NONE"}}}})
    assert _post(client, unknown).get_json()["outcome"] == "unknown"
    events, entries, status = _counts(db)
    assert (events, entries, status) == (2, 0, PaymentStatus.PENDING)


def test_failure_after_success_does_not_move_backwards(client, db, card_order):
    _post(client, _event(card_order, event_id="evt_ok"))
    response = _post(client, _event(card_order, "payment_intent.payment_failed", "evt_fail"))
    assert response.get_json()["outcome"] == "noop"
    db.session.expire_all()
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.PAID
    assert card_order.orders[0].status == OrderStatus.NEW


def test_failure_then_success_out_of_order_ends_paid(client, db, card_order):
    assert _post(client, _event(card_order, "payment_intent.payment_failed", "evt_a")
                 ).get_json()["outcome"] == "failed"
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.PENDING and "declined" in payment.failure_message
    assert _post(client, _event(card_order, event_id="evt_b")).get_json()["outcome"] == "paid"


def test_payment_after_expiry_does_not_revive_the_order(client, db, card_order, app):
    with app.test_request_context():
        methods.expire_unpaid(hours=-1)
    db.session.commit()
    response = _post(client, _event(card_order))
    assert response.status_code == 200
    db.session.expire_all()
    assert card_order.orders[0].status == OrderStatus.CANCELLED
    assert response.get_json()["outcome"] == "queued"  # Stripe knows no such intent to refund
    [issue] = _issues(db)  # so staff see the money to give back
    assert (issue.kind, issue.status) == ("unclaimed", "open")
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


def test_localstripe_delivers_a_signed_webhook_that_pays_the_order(app, db, stripe_on,
                                                                   make_order, make_product):
    from marketplace.database import set_write_intent

    # An earlier POST in this thread may have left write intent on: our reads would then hold
    # SQLite's write lock and keep the server's webhook request waiting.
    set_write_intent(False)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        stripe_on.register_webhook("pm", f"http://127.0.0.1:{port}/webhooks/stripe",
                                   WEBHOOK_SECRET, ["payment_intent.succeeded"])
        checkout = make_order(items=[(make_product(price=40000), 1)],
                              method=PaymentMethod.STRIPE)
        payment = db.session.scalar(select(Payment))
        from marketplace import stripe_gateway

        with app.test_request_context():
            intent = stripe_gateway.create_payment_intent(checkout.reference, payment.amount,
                                                          "pm_card_visa", 1)
            stripe_gateway.confirm_payment_intent(checkout.reference, intent.id, 1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.rollback()
            if db.session.scalar(select(Payment.status)) == PaymentStatus.PAID:
                break
            time.sleep(0.1)
        assert db.session.scalar(select(Payment.status)) == PaymentStatus.PAID
        assert db.session.scalar(select(WebhookEvent.type)) == "payment_intent.succeeded"
    finally:
        # later deliveries (none expected) must not reach a server that is gone
        stripe_on.register_webhook("pm", "http://127.0.0.1:9/gone", WEBHOOK_SECRET, [])
        server.shutdown()


def test_checkout_session_completed_pays_by_reference(client, db, card_order):
    body = json.dumps({"id": "evt_cs", "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_test_1", "object": "checkout.session", "payment_status": "paid",
        "amount_total": card_order.total * 100, "currency": "idr",
        "client_reference_id": card_order.reference, "payment_intent": "pi_from_session"}}})
    assert _post(client, body).get_json()["outcome"] == "paid"
    db.session.expire_all()
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.PAID


def test_webhook_needs_no_csrf_token_but_a_signature(app, db, card_order, database_url,
                                                     media_dir):
    from marketplace import create_app
    from tests.conftest import settings_for_tests

    config = settings_for_tests(database_url, media_dir)
    config.update(WTF_CSRF_ENABLED=True, STRIPE_SECRET_KEY="sk_test_pasar",
                  STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE=app.config[
                      "STRIPE_API_BASE"])
    strict = create_app(config).test_client()
    body = _event(card_order)
    db.session.rollback()  # a second app means a second connection: hold no SQLite lock here
    assert strict.post("/webhooks/stripe", data=body).status_code == 400
    assert _post(strict, body).get_json()["outcome"] == "paid"


# --- money that cannot simply be booked (issue 10 items 2-4) -----------------------------------

def _charge(app, checkout, amount=None):
    """A real succeeded PaymentIntent at localstripe for the checkout (the card was charged)."""
    from marketplace import stripe_gateway

    with app.test_request_context():
        intent = stripe_gateway.create_payment_intent(checkout.reference,
                                                      amount or checkout.total, "pm_card_visa", 7)
        return stripe_gateway.confirm_payment_intent(checkout.reference, intent.id, 7)


def _session_completed(checkout, intent_id, event_id="evt_cs_late", amount=None):
    return json.dumps({"id": event_id, "type": "checkout.session.completed", "data": {"object": {
        "id": "cs_test_late", "object": "checkout.session", "payment_status": "paid",
        "amount_total": (amount or checkout.total) * 100, "currency": "idr",
        "client_reference_id": checkout.reference, "payment_intent": intent_id}}})


def _hosted_checkout_cancelled(app, db, make_order, make_product):
    """A card checkout paid on Stripe's hosted page (no intent known yet), then cancelled."""
    checkout = make_order(items=[(make_product(price=34000, stock=5), 1)],
                          method=PaymentMethod.STRIPE)
    with app.test_request_context():
        methods.cancel_unpaid(checkout.buyer, checkout, "Berubah pikiran")
    db.session.commit()
    return checkout


def _issues(db):
    from marketplace.models import PaymentIssue

    db.session.expire_all()
    return db.session.scalars(select(PaymentIssue).order_by(PaymentIssue.id)).all()


def test_card_money_after_the_buyer_cancelled_is_refunded_through_stripe(
        app, client, db, stripe_on, make_order, make_product):
    import stripe

    checkout = _hosted_checkout_cancelled(app, db, make_order, make_product)
    intent = _charge(app, checkout)
    response = _post(client, _session_completed(checkout, intent.id))
    assert response.status_code == 200 and response.get_json()["outcome"] == "refunded"
    remote = stripe.StripeClient("sk_test_pasar", base_addresses={"api": stripe_on.base},
                                 max_network_retries=0)
    refunds = list(remote.v1.refunds.list({"payment_intent": intent.id}).auto_paging_iter())
    assert [r.amount for r in refunds] == [intent.amount]  # all of it went back, once
    [issue] = _issues(db)
    assert (issue.kind, issue.status, issue.refund_ref) == ("unclaimed", "refunded",
                                                            refunds[0].id)
    # Stripe then reports the same money as payment_intent.succeeded: nothing more happens.
    again = _post(client, _event(checkout, event_id="evt_pi_late", intent=intent.id))
    assert again.get_json()["outcome"] == "noop"
    assert len(list(remote.v1.refunds.list({"payment_intent": intent.id})
                    .auto_paging_iter())) == 1
    assert len(_issues(db)) == 1
    assert checkout.orders[0].status == OrderStatus.CANCELLED
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == 0


def test_card_money_that_cannot_be_refunded_is_queued_and_shown_to_staff(
        app, client, db, stripe_on, make_order, make_product, login, staff):
    from marketplace.models import AuditEvent

    checkout = _hosted_checkout_cancelled(app, db, make_order, make_product)
    # Stripe does not know this intent, so the automatic refund fails.
    response = _post(client, _session_completed(checkout, "pi_refund_will_fail"))
    assert response.get_json()["outcome"] == "queued"
    [issue] = _issues(db)
    assert (issue.kind, issue.status, issue.received_minor) == ("unclaimed", "open", 3_400_000)
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "payment.unclaimed")) is not None
    login(staff)
    page = client.get("/staff/payments").get_data(as_text=True)
    assert checkout.reference in page and "pi_refund_will_fail" in page
    assert client.post(f"/staff/payments/issues/{issue.id}/resolve",
                       data={"note": ""}).status_code == 422
    done = client.post(f"/staff/payments/issues/{issue.id}/resolve",
                       data={"note": "Dikembalikan lewat transfer BRI 0042"})
    assert done.status_code == 302
    [issue] = _issues(db)
    assert issue.status == "resolved" and issue.resolved_by_id == staff.id
    assert client.post(f"/staff/payments/issues/{issue.id}/resolve",
                       data={"note": "lagi"}).status_code == 409


@pytest.mark.parametrize("amount, currency", [(100, "idr"), (3_400_000, "usd"),
                                              (3_400_100, "idr")])
def test_wrong_amount_or_currency_is_flagged_and_the_order_stays_unpaid(
        client, db, card_order, amount, currency):
    body = json.loads(_event(card_order))
    body["data"]["object"].update(amount=amount, currency=currency)
    response = _post(client, json.dumps(body))
    assert response.status_code == 200 and response.get_json()["outcome"] == "mismatch"
    assert _counts(db)[1:] == (0, PaymentStatus.PENDING)
    assert card_order.orders[0].status == OrderStatus.AWAITING_PAYMENT
    [issue] = _issues(db)
    assert (issue.kind, issue.status, issue.received_minor, issue.currency,
            issue.expected_amount) == ("mismatch", "open", amount, currency, card_order.total)


MALFORMED = [
    "[]", '"evt"', "null", "{}", '{"id": 5, "type": "payment_intent.succeeded"}',
    '{"id": "evt_m1", "type": "payment_intent.succeeded", "data": []}',
    '{"id": "evt_m2", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", '
    '"amount": 3400000, "currency": "idr", "metadata": "PM-AAAA-BBBB-CCCC"}}}',
    '{"id": "evt_m3", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", '
    '"amount": "3400000", "currency": "idr"}}}',
    '{"id": "evt_m4", "type": "checkout.session.completed", "data": {"object": {'
    '"object": "checkout.session", "payment_status": "paid", "amount_total": 1, '
    '"currency": "idr", "client_reference_id": ["PM-1"]}}}',
    '{"id": "evt_m5\\u0000", "type": "payment_intent.succeeded", "data": {}}',
    '{"id": "evt_m6", "type": "payment_intent.payment_failed", "data": {"object": {'
    '"id": "pi_1", "last_payment_error": "declined"}}}',
    '{"id": "evt_m7", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", '
    '"amount": true, "currency": "idr"}}}',
]


@pytest.mark.parametrize("body", MALFORMED)
def test_signed_but_unusable_events_are_refused_recorded_and_change_nothing(client, db,
                                                                            card_order, body):
    response = _post(client, body)
    assert response.status_code == 400 and response.get_json()["outcome"] == "malformed"
    assert _post(client, body).status_code == 400  # sent again: still refused, still one record
    db.session.expire_all()
    [record] = db.session.scalars(select(WebhookEvent)).all()
    assert record.outcome == "malformed" and record.detail
    assert _counts(db)[1:] == (0, PaymentStatus.PENDING)
    assert card_order.orders[0].status == OrderStatus.AWAITING_PAYMENT
