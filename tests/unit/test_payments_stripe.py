"""Card payments against localstripe: paid, declined then retried, Stripe down, no double charge."""

import socket

import pytest
import stripe
from sqlalchemy import select

from marketplace import stripe_gateway
from marketplace.errors import Conflict, PaymentError, ValidationError
from marketplace.models import (
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Variant,
)
from marketplace.services.payments import methods, stripe_events


@pytest.fixture
def card_checkout(stripe_on, make_order, make_product, make_store):
    def make(price=50000, stock=5):
        a, b = make_store(), make_store()
        pa = make_product(store=a, price=price, stock=stock)
        pb = make_product(store=b, price=20000, stock=stock)
        return make_order(items=[(pa, 1), (pb, 2)], method=PaymentMethod.STRIPE), pa

    return make


def _intents(server):
    client = stripe.StripeClient("sk_test_pasar", base_addresses={"api": server.base},
                                 max_network_retries=0)
    return list(client.v1.payment_intents.list().auto_paging_iter())


def test_amounts_go_to_stripe_in_two_decimal_units():
    params = stripe_gateway.payment_intent_params("PM-AAAA-BBBB-CCCC", 150000, "pm_card_visa", 1)
    assert params["amount"] == 15_000_000 and params["currency"] == "idr"
    assert params["metadata"]["checkout"] == "PM-AAAA-BBBB-CCCC"
    assert stripe_gateway.card_limit_rupiah() == 999_999


def test_idempotency_keys_are_deterministic_per_action():
    key = stripe_gateway.idempotency_key
    assert key("PM-1", "pi-create", 1) == key("PM-1", "pi-create", 1)
    assert len({key("PM-1", "pi-create", 1), key("PM-1", "pi-create", 2),
                key("PM-1", "pi-confirm", 1), key("PM-2", "pi-create", 1)}) == 4


def test_checkout_session_request_for_production_is_built_without_calling_stripe():
    params = stripe_gateway.checkout_session_params(
        "PM-AAAA", 250000, "https://pm.id/ok", "https://pm.id/back", "siti@contoh.id")
    assert params["mode"] == "payment" and params["client_reference_id"] == "PM-AAAA"
    item = params["line_items"][0]
    assert item["price_data"]["unit_amount"] == 25_000_000
    assert item["price_data"]["currency"] == "idr"
    assert params["payment_intent_data"]["metadata"] == {"checkout": "PM-AAAA"}
    assert params["customer_email"] == "siti@contoh.id"


def test_card_payment_marks_every_order_paid_and_credits_stores(app, db, card_checkout,
                                                                smtp_server):
    checkout, _ = card_checkout()
    with app.test_request_context():
        payment = methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
    db.session.commit()
    assert payment.status == PaymentStatus.PAID and payment.provider_ref.startswith("pi_")
    for order in checkout.orders:
        assert order.status == OrderStatus.NEW and order.payment_status == PaymentStatus.PAID
        assert order.paid_at is not None
    sales = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == LedgerKind.SALE))
    assert sorted(e.amount for e in sales) == sorted(o.total for o in checkout.orders)
    owners = {o.store.owner.email for o in checkout.orders}
    assert owners <= {m["To"] for m in smtp_server.messages}
    with app.test_request_context(), pytest.raises(Conflict):
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")


def test_decline_leaves_the_order_waiting_and_a_retry_pays_once(app, db, card_checkout,
                                                                stripe_on):
    checkout, _ = card_checkout()
    with app.test_request_context():
        payment = methods.pay_by_card(checkout.buyer, checkout, "pm_card_chargeCustomerFail")
        db.session.commit()
        assert payment.status == PaymentStatus.PENDING and payment.failure_message
        assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
        db.session.commit()
    assert payment.status == PaymentStatus.PAID
    succeeded = [pi for pi in _intents(stripe_on) if pi.status == "succeeded"]
    assert len(succeeded) == 1 and succeeded[0].amount == payment.amount * 100


def test_unknown_test_card_is_refused(app, db, card_checkout):
    checkout, _ = card_checkout()
    with app.test_request_context(), pytest.raises(ValidationError):
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_stolen_by_form_tamper")


def test_amount_over_the_card_limit_points_to_bank_transfer(app, db, card_checkout):
    checkout, _ = card_checkout(price=990_000)
    with app.test_request_context(), pytest.raises(ValidationError) as caught:
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
    assert "transfer" in str(caught.value.message)


def test_stripe_unreachable_keeps_the_order_pending(app, db, card_checkout, monkeypatch):
    checkout, _ = card_checkout()
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{free.getsockname()[1]}"
    free.close()
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", dead)
    with app.test_request_context(), pytest.raises(PaymentError):
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
    db.session.rollback()
    payment = db.session.scalar(select(Payment))
    assert payment.status == PaymentStatus.PENDING and payment.provider_ref is None
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT


def test_stripe_500_keeps_the_order_pending_and_retry_does_not_double_charge(
        app, db, card_checkout, stripe_on, monkeypatch):
    checkout, _ = card_checkout()
    real_confirm = stripe_gateway.confirm_payment_intent

    def confirm_then_fail(*args):
        real_confirm(*args)  # Stripe charged, but the answer was a 500
        raise stripe.APIError("Internal server error", http_status=500)

    monkeypatch.setattr(stripe_gateway, "confirm_payment_intent", confirm_then_fail)
    with app.test_request_context():
        payment = methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
        db.session.commit()
        assert payment.status == PaymentStatus.PENDING and payment.failure_message
        assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT
        monkeypatch.setattr(stripe_gateway, "confirm_payment_intent", real_confirm)
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")  # the buyer retries
        db.session.commit()
    assert payment.status == PaymentStatus.PAID
    assert len([pi for pi in _intents(stripe_on) if pi.status == "succeeded"]) == 1


def test_lost_answer_is_settled_by_the_webhook_by_checkout_reference(app, db, card_checkout,
                                                                     stripe_on):
    import json

    checkout, _ = card_checkout()
    payment = db.session.scalar(select(Payment))
    with app.test_request_context():
        intent = stripe_gateway.create_payment_intent(checkout.reference, payment.amount,
                                                      "pm_card_visa", 1)
        stripe_gateway.confirm_payment_intent(checkout.reference, intent.id, 1)
    event = {"id": "evt_lost_answer", "type": "payment_intent.succeeded",
             "data": {"object": {"id": intent.id, "object": "payment_intent",
                                 "amount": intent.amount, "currency": intent.currency,
                                 "metadata": {"checkout": checkout.reference}}}}
    with app.test_request_context():
        assert stripe_events.handle_stripe_event(json.dumps(event).encode()) == "paid"
        db.session.commit()
        with pytest.raises(Conflict):
            methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
    assert payment.status == PaymentStatus.PAID and payment.provider_ref == intent.id


def test_return_page_refresh_records_a_payment_whose_webhook_was_lost(app, db, card_checkout,
                                                                      stripe_on):
    checkout, _ = card_checkout()
    payment = db.session.scalar(select(Payment))
    with app.test_request_context():
        intent = stripe_gateway.create_payment_intent(checkout.reference, payment.amount,
                                                      "pm_card_visa", 1)
        stripe_gateway.confirm_payment_intent(checkout.reference, intent.id, 1)
        payment.provider_ref = intent.id
        db.session.commit()
        methods.refresh_card_payment(checkout.buyer, checkout)
        db.session.commit()
    assert payment.status == PaymentStatus.PAID


def test_buyer_cancel_cancels_the_intent_and_returns_stock(app, db, card_checkout, stripe_on):
    checkout, product = card_checkout()
    with app.test_request_context():
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_chargeCustomerFail")
        db.session.commit()
        methods.cancel_unpaid(checkout.buyer, checkout, "")
        db.session.commit()
    assert all(o.status == OrderStatus.CANCELLED for o in checkout.orders)
    assert db.session.get(Variant, product.variants[0].id).stock == 5
    assert {pi.status for pi in _intents(stripe_on)} == {"canceled"}


def test_hosted_checkout_session_is_requested_once_per_checkout(app, db, card_checkout,
                                                                stripe_on, monkeypatch, client,
                                                                login):
    checkout, _ = card_checkout()
    monkeypatch.setattr(stripe_gateway, "uses_hosted_checkout", lambda: True)
    login(checkout.buyer)
    response = client.post(f"/checkout/{checkout.reference}/card")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(stripe_on.base + "/pay/cs_test_")
    sent = stripe_on.sessions[-1]
    assert sent["line_items[0][price_data][unit_amount]"] == str(checkout.total * 100)
    assert sent["client_reference_id"] == checkout.reference
    assert sent["idempotency_key"] == f"pm-{checkout.reference}-session-0"
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.PENDING


def test_three_d_secure_card_waits_for_the_bank(app, db, card_checkout, stripe_on):
    checkout, _ = card_checkout()
    stripe_client = stripe.StripeClient("sk_test_pasar", base_addresses={"api": stripe_on.base},
                                        max_network_retries=0)
    method = stripe_client.v1.payment_methods.create({"type": "card", "card": {
        "number": "4000002500003155", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    payment = db.session.scalar(select(Payment))
    with app.test_request_context():
        intent = stripe_gateway.create_payment_intent(checkout.reference, payment.amount,
                                                      method.id, 1)
        intent = stripe_gateway.confirm_payment_intent(checkout.reference, intent.id, 1)
        assert intent.status == "requires_action"
        payment.provider_ref = intent.id
        methods.refresh_card_payment(checkout.buyer, checkout)
        db.session.commit()
    assert payment.status == PaymentStatus.PENDING and "3-D Secure" in payment.failure_message
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT


def test_an_order_cancelled_before_paying_is_not_charged(app, db, card_checkout, stripe_on):
    from marketplace.services.orders import fulfilment

    checkout, _ = card_checkout()
    first, second = checkout.orders
    with app.test_request_context():
        fulfilment.cancel_order(checkout.buyer, first, "Salah pilih")
        db.session.commit()
        methods.pay_by_card(checkout.buyer, checkout, "pm_card_visa")
        db.session.commit()
    charged = [pi.amount for pi in _intents(stripe_on) if pi.status == "succeeded"]
    assert charged == [second.total * 100]
    assert first.status == OrderStatus.CANCELLED and second.status == OrderStatus.NEW
    assert db.session.scalar(select(Payment.failure_message)) is None  # nothing to give back
    assert not list(stripe.StripeClient(
        "sk_test_pasar", base_addresses={"api": stripe_on.base}).v1.refunds.list())
