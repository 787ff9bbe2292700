"""A seller cancels a paid card order: the money goes back through Stripe's refund API
(a local Stripe-compatible server), and the ledger and order record it."""

import pytest
import stripe
from sqlalchemy import select

from marketplace.errors import PaymentError
from marketplace.models import OrderStatus, Payment, PaymentMethod, PaymentStatus, Refund
from marketplace.money import to_stripe_amount
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger
from tests.fixtures.orders import settle_payment


@pytest.fixture
def card_payments(stripe_on):
    """Card payments on (the payments fixtures' localstripe); a client to look at its data."""
    return stripe.StripeClient("sk_test_pasar", base_addresses={"api": stripe_on.base},
                               max_network_retries=0)


def _paid_card_order(db, make_order, client):
    checkout = make_order(method=PaymentMethod.STRIPE)
    intent = client.v1.payment_intents.create(params={
        "amount": to_stripe_amount(checkout.total), "currency": "idr",
        "payment_method": "pm_card_visa", "confirm": True})
    payment = db.session.scalar(select(Payment).where(Payment.checkout_id == checkout.id))
    payment.provider_ref = intent.id
    db.session.commit()
    settle_payment(checkout)
    return checkout.orders[0], intent


def test_cancel_paid_card_order_refunds_through_stripe(db, make_order, card_payments):
    order, intent = _paid_card_order(db, make_order, card_payments)
    assert ledger.balance(order.store) == order.total
    fulfilment.cancel_order(order.store.owner, order, "Bahan habis")
    db.session.commit()
    refund = db.session.scalar(select(Refund))
    assert refund.provider_ref.startswith("re_") and refund.amount == order.total
    remote = card_payments.v1.refunds.retrieve(refund.provider_ref)
    assert remote.amount == to_stripe_amount(order.total)
    assert remote.payment_intent == intent.id
    assert order.status == OrderStatus.CANCELLED
    assert order.payment_status == PaymentStatus.REFUNDED
    assert ledger.balance(order.store) == 0


def test_stripe_refusing_the_refund_changes_nothing(db, make_order, card_payments):
    order, _intent = _paid_card_order(db, make_order, card_payments)
    payment = db.session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id))
    payment.provider_ref = "pi_does_not_exist"
    db.session.commit()
    with pytest.raises(PaymentError):
        fulfilment.cancel_order(order.store.owner, order, "Bahan habis")
    db.session.rollback()
    db.session.refresh(order)
    assert (order.status, order.refunded_amount) == (OrderStatus.NEW, 0)
    assert db.session.scalar(select(Refund)) is None
    assert ledger.balance(order.store) == order.total
