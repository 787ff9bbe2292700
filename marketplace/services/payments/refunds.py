"""Money back: the one place that refunds, whether for an order or for money nothing can take.

Every refund through Stripe goes through `card_refund`, with an idempotency key naming what
is refunded, so a retry after a timeout never gives money back twice.
"""

import logging

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from marketplace import stripe_gateway as gateway
from marketplace.errors import Conflict, PaymentError
from marketplace.extensions import db
from marketplace.models import Order, Payment, PaymentMethod, PaymentStatus, Refund, User
from marketplace.services.payments import paymentflow
from marketplace.services.payouts import ledger
from marketplace.services.staff import audit

log = logging.getLogger(__name__)


def refundable(order: Order) -> int:
    """Money received for this order and not yet given back (0 when nothing was paid)."""
    if order.payment_status not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        return 0
    return order.total - order.refunded_amount


def card_refund(intent_id: str | None, amount: int | None, reference: str, action: str) -> str:
    """Give `amount` rupiah (all, when None) of a card payment back through Stripe.

    Returns Stripe's refund id. `reference` and `action` make the idempotency key: the same
    refund asked twice is one.

    :raises PaymentError: card payments are off, or Stripe refused or could not be reached.
    """
    if not current_app.config.get("STRIPE_SECRET_KEY") or not intent_id:
        raise PaymentError(_("This card payment cannot be refunded automatically."))
    import stripe  # only where a card is handled: see stripe_gateway
    try:
        refund = gateway.refund_payment_intent(reference, intent_id, amount, action)
    except stripe.StripeError as exc:
        log.warning("Stripe refund of %s failed: %s", intent_id, exc)
        raise PaymentError(_("The card refund failed. Nothing was changed; please try again "
                             "later.")) from exc
    return refund.id


def refund_order(actor: User | None, order: Order, amount: int, reason: str) -> Refund:
    """Give `amount` back through the order's payment method and debit the store, once.

    :raises Conflict: another refund of this order happened meanwhile.
    :raises PaymentError: the card refund failed (the caller's transaction rolls back).
    """
    before = order.refunded_amount
    # Claimed in SQL, so two refunds at once can never exceed what was paid.
    claimed = db.session.execute(
        update(Order).where(Order.id == order.id, Order.refunded_amount == before,
                            Order.refunded_amount + amount <= Order.total)
        .values(refunded_amount=Order.refunded_amount + amount)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise Conflict(_("This order was refunded meanwhile. Reload the page and try again."))
    db.session.refresh(order)
    paymentflow.move(order, PaymentStatus.REFUNDED if order.refunded_amount == order.total
                     else PaymentStatus.PARTIALLY_REFUNDED)
    # Orders of one checkout refunded at once: the payment row is the queue for its total.
    payment = db.session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id)
                                .with_for_update())
    ledger.record_refund(order, amount, before, actor, note=reason[:200])
    if payment.status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
        # A cash-on-delivery payment stays pending until every order's cash is in.
        refunded_on_payment = db.session.scalar(
            select(func.coalesce(func.sum(Refund.amount), 0))
            .where(Refund.payment_id == payment.id)) + amount
        paymentflow.move(payment, PaymentStatus.REFUNDED if refunded_on_payment >= payment.amount
                         else PaymentStatus.PARTIALLY_REFUNDED)
    provider_ref = None
    if order.payment_method == PaymentMethod.STRIPE:
        # last, so nothing can fail after the money has gone back
        provider_ref = card_refund(payment.provider_ref, amount, order.reference,
                                   f"refund-{before}-{amount}")
    refund = Refund(order_id=order.id, payment_id=payment.id, amount=amount,
                    provider_ref=provider_ref, reason=reason, actor_id=getattr(actor, "id", None))
    db.session.add(refund)
    audit.record(actor, "order.refund", order, before={"refunded": before},
                 after={"refunded": order.refunded_amount, "amount": amount,
                        "method": order.payment_method.value, "provider_ref": provider_ref})
    db.session.flush()
    return refund
