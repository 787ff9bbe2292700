"""Payments: card (Stripe), bank transfer with proof, cash on delivery; expiry and cancel.

A payment only ever moves forward: pending -> paid. Marking it paid is claimed with one
conditional UPDATE, so a webhook and the buyer's return page racing each other record the
sale once. Calls to Stripe carry deterministic idempotency keys (see `stripe_gateway`).
"""

import json
import logging
from contextlib import suppress
from datetime import timedelta

import stripe
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace import stripe_gateway as gateway
from marketplace.clock import utcnow
from marketplace.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PaymentError,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.images import store_image
from marketplace.models import (
    Checkout,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    User,
    WebhookEvent,
)
from marketplace.money import from_stripe_amount
from marketplace.permissions import can, require
from marketplace.services import audit, ledger, notifications, orderflow, paymentflow, refunds
from marketplace.validation import clean_text

log = logging.getLogger(__name__)

PAYMENT_LABELS = {
    PaymentStatus.PENDING: _l("Awaiting payment"), PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.FAILED: _l("Not paid (cancelled)"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("Partly refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
}

#: Test payment methods offered when the card gateway is a local fake (STRIPE_API_BASE).
TEST_PAYMENT_METHODS = ("pm_card_visa", "pm_card_chargeCustomerFail")


# --- loading ----------------------------------------------------------------------------------

def checkout_for_buyer(user: User, reference: str) -> Checkout:
    """The user's own checkout with this reference.

    :raises NotFound: no such checkout among the user's.
    """
    checkout = db.session.scalar(select(Checkout).where(Checkout.reference == reference,
                                                        Checkout.buyer_id == user.id))
    if checkout is None:
        raise NotFound()
    return checkout


def payment_for(checkout: Checkout) -> Payment:
    """The checkout's one payment row."""
    return db.session.scalar(select(Payment).where(Payment.checkout_id == checkout.id))


def is_awaiting(checkout: Checkout) -> bool:
    """Whether the buyer still has to pay (some order waits for the money)."""
    return any(o.status == OrderStatus.AWAITING_PAYMENT for o in checkout.orders)


def amount_due(checkout: Checkout) -> int:
    """What the buyer still has to pay: the orders waiting for payment (one may be cancelled)."""
    return sum(o.total for o in checkout.orders if o.status == OrderStatus.AWAITING_PAYMENT)


def pending_transfers() -> list[Payment]:
    """Bank transfers waiting for staff, those with a proof first, oldest first."""
    return list(db.session.scalars(
        select(Payment).where(Payment.method == PaymentMethod.BANK_TRANSFER,
                              Payment.status == PaymentStatus.PENDING)
        .order_by(Payment.proof_uploaded_at.is_(None), Payment.proof_uploaded_at,
                  Payment.created_at)
    ))


def buyer_orders(user: User) -> list[Order]:
    """The user's own orders, newest first."""
    return list(db.session.scalars(select(Order).where(Order.buyer_id == user.id)
                                   .order_by(Order.created_at.desc(), Order.id.desc())))


def payment_by_id(payment_id: int) -> Payment:
    """A payment row for staff.

    :raises NotFound: no such payment.
    """
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        raise NotFound()
    return payment


# --- the money came in ------------------------------------------------------------------------

def confirm_payment(payment: Payment, actor: User | None = None, note: str | None = None,
                    paid_amount: int | None = None) -> bool:
    """Mark the payment paid, its waiting orders new (Pesanan Baru), credit each store; once.

    Returns False when it was already paid (a duplicate notice changes nothing). Orders that
    were cancelled meanwhile (expired) are not revived: if `paid_amount` (what the provider
    took) is more than the orders still open, the difference is given back.
    """
    now = utcnow()
    try:
        paymentflow.move(payment, PaymentStatus.PAID, paid_at=now, failure_message=None)
    except InvalidTransition:
        return False
    checkout = payment.checkout
    covered = 0
    for order in checkout.orders:
        orderflow.lock(order)  # a cancel racing this payment: one of the two goes first
        if order.status == OrderStatus.CANCELLED:
            continue
        covered += order.total
        if order.status == OrderStatus.AWAITING_PAYMENT:
            orderflow.transition(order, OrderStatus.NEW, actor, note or _("Payment received"))
            notifications.new_order_for_store(order)
        if order.payment_status == PaymentStatus.PENDING:
            paymentflow.move(order, PaymentStatus.PAID, paid_at=now)
        ledger.record_sale(order)
    audit.record(actor, "payment.paid", payment, before={"status": "pending"},
                 after={"status": "paid", "amount": payment.amount,
                        "method": payment.method.value, "provider_ref": payment.provider_ref})
    if paid_amount is not None and paid_amount > covered:
        _refund_late_payment(payment, paid_amount - covered)
    notifications.payment_received(checkout)
    db.session.flush()
    return True


def _refund_late_payment(payment: Payment, amount: int) -> None:
    """Money arrived for orders already cancelled: give it back (card) or flag it for staff."""
    provider_ref = None
    if payment.method == PaymentMethod.STRIPE and payment.provider_ref:
        with suppress(PaymentError):  # flagged below for staff to give back by hand
            provider_ref = refunds.card_refund(payment, amount, payment.checkout.reference,
                                               "late-refund")
    payment.failure_message = _("Paid after the order was cancelled: %(amount)d rupiah to "
                                "give back.", amount=amount)
    audit.record(None, "payment.late", payment, after={"amount": amount,
                                                       "refund": provider_ref})


# --- cards (Stripe) ---------------------------------------------------------------------------

def _check_card_payable(buyer: User, checkout: Checkout) -> Payment:
    if not can(buyer, "order.buy", checkout):
        raise NotFound()
    payment = payment_for(checkout)
    if payment.method != PaymentMethod.STRIPE:
        raise ValidationError(_("This order is not paid by card."))
    if payment.status == PaymentStatus.PAID or not is_awaiting(checkout):
        raise Conflict(_("This order is already paid or cancelled."))
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise PaymentError(_("Card payments are not available now. Please choose bank "
                             "transfer or cash on delivery."))
    if amount_due(checkout) > gateway.card_limit_rupiah():
        raise ValidationError(_("A card payment can carry at most %(limit)s. Please pay this "
                                "order by bank transfer.",
                                limit=_rupiah(gateway.card_limit_rupiah())))
    return payment


def _rupiah(amount: int) -> str:
    from flask_babel import get_locale

    from marketplace.money import format_rupiah

    return format_rupiah(amount, str(get_locale() or "id"))


def pay_by_card(buyer: User, checkout: Checkout, payment_method: str) -> Payment:
    """Charge the checkout's card payment with a payment method, server side (test gateway).

    Each attempt is its own PaymentIntent with its own idempotency keys, so a retry after a
    timeout replays the same request instead of charging again; an intent that already
    succeeded is recorded instead of charged again; a decline leaves the order waiting so the
    buyer can try another card.

    :raises NotFound: not the buyer's checkout.
    :raises ValidationError: not a card checkout, unknown payment method, or over the card limit.
    :raises Conflict: already paid or cancelled.
    :raises PaymentError: Stripe unreachable or failing (nothing changes; try again).
    """
    payment = _check_card_payable(buyer, checkout)
    if payment_method not in TEST_PAYMENT_METHODS:
        raise ValidationError(_("Choose a card from the list."), field="payment_method")
    try:
        intent = None
        if payment.provider_ref:
            intent = gateway.retrieve_payment_intent(payment.provider_ref)
            if intent.status == "succeeded":
                _apply_intent_status(payment, intent)
                return payment
            if intent.status != "requires_confirmation":
                if intent.status != "canceled":
                    gateway.cancel_payment_intent(checkout.reference, intent.id)
                intent = None
        if intent is None:
            payment.attempts += 1
            intent = gateway.create_payment_intent(checkout.reference, amount_due(checkout),
                                                   payment_method, payment.attempts)
            payment.provider_ref = intent.id
            db.session.flush()
    except stripe.StripeError as exc:
        log.warning("Stripe failed for %s: %s", checkout.reference, exc)
        raise PaymentError(_("The card service did not answer. Nothing was charged; please "
                             "try again in a moment.")) from exc
    try:
        intent = gateway.confirm_payment_intent(checkout.reference, intent.id, payment.attempts)
    except stripe.CardError as exc:
        payment.failure_message = _("The card was declined: %(why)s Try another card or pay "
                                    "by bank transfer.", why=exc.user_message or "")
        db.session.flush()
        return payment
    except stripe.StripeError as exc:
        # The charge may or may not have happened: keep the intent, so a retry (or the
        # webhook, or the expiry job) looks it up instead of charging again.
        log.warning("Stripe failed confirming %s: %s", checkout.reference, exc)
        payment.failure_message = _("The card service did not answer. Please try again: "
                                    "you will not be charged twice.")
        db.session.flush()
        return payment
    _apply_intent_status(payment, intent)
    return payment


def start_hosted_card_payment(buyer: User, checkout: Checkout, success_url: str,
                              cancel_url: str) -> str:
    """Open a Stripe Checkout Session for the card payment; returns the page to send the buyer to.

    :raises NotFound, ValidationError, Conflict: as `pay_by_card`.
    :raises PaymentError: Stripe unreachable or failing.
    """
    _check_card_payable(buyer, checkout)
    try:
        session = gateway.create_checkout_session(checkout.reference, amount_due(checkout),
                                                  success_url, cancel_url, buyer.email)
    except stripe.StripeError as exc:
        raise PaymentError(_("The card service did not answer. Nothing was charged; please "
                             "try again in a moment.")) from exc
    return session.url


def refresh_card_payment(buyer: User, checkout: Checkout) -> Payment:
    """Ask Stripe for the real status of the card payment (the return page), and record it.

    :raises NotFound: not the buyer's checkout.
    """
    if not can(buyer, "order.buy", checkout):
        raise NotFound()
    payment = payment_for(checkout)
    if (payment.method != PaymentMethod.STRIPE or payment.status != PaymentStatus.PENDING
            or not payment.provider_ref or not current_app.config.get("STRIPE_SECRET_KEY")):
        return payment
    try:
        intent = gateway.retrieve_payment_intent(payment.provider_ref)
    except stripe.StripeError as exc:
        log.warning("Could not refresh %s: %s", checkout.reference, exc)
        return payment
    _apply_intent_status(payment, intent)
    return payment


def _apply_intent_status(payment: Payment, intent) -> None:
    if intent.status == "succeeded":
        confirm_payment(payment, paid_amount=from_stripe_amount(intent.amount))
    elif intent.status == "requires_action":
        payment.failure_message = _("Your bank asks you to confirm this payment (3-D Secure).")
    elif intent.status == "requires_payment_method":
        error = getattr(intent, "last_payment_error", None)
        payment.failure_message = _("The card was declined. Try another card or pay by bank "
                                    "transfer.") if error else None
    db.session.flush()


def _intent_reference(obj: dict) -> tuple[str | None, str | None]:
    """(PaymentIntent id, checkout reference) from an intent or a Checkout Session object."""
    if obj.get("object") == "checkout.session":
        return obj.get("payment_intent"), obj.get("client_reference_id")
    return obj.get("id"), (obj.get("metadata") or {}).get("checkout")


def handle_stripe_event(payload: bytes) -> str:
    """Act on a verified Stripe event (raw body), recording its id in the same transaction.

    Returns what happened: "duplicate", "ignored", "unknown", "paid", "failed" or "noop".
    Only moves a payment forward: a failure after success, or a repeat, changes nothing.
    """
    event = json.loads(payload)
    event_id, kind = str(event.get("id", "")), str(event.get("type", ""))[:100]
    if not event_id:
        return "ignored"
    seen = db.session.scalar(select(WebhookEvent.id).where(WebhookEvent.event_id == event_id))
    if seen is not None:
        return "duplicate"
    db.session.add(WebhookEvent(provider="stripe", event_id=event_id, type=kind))
    db.session.flush()  # the unique id is claimed now: a concurrent copy fails here
    handlers = {"payment_intent.succeeded": "paid", "checkout.session.completed": "paid",
                "payment_intent.payment_failed": "failed"}
    if kind not in handlers:
        return "ignored"
    obj = (event.get("data") or {}).get("object") or {}
    intent_id, reference = _intent_reference(obj)
    payment = None
    if intent_id:
        payment = db.session.scalar(select(Payment).where(Payment.provider_ref == intent_id))
    if payment is None and reference:
        payment = db.session.scalar(
            select(Payment).join(Checkout).where(Checkout.reference == reference,
                                                 Payment.method == PaymentMethod.STRIPE))
        if payment is not None and payment.provider_ref is None and intent_id:
            payment.provider_ref = intent_id
    if payment is None:
        log.info("Stripe event %s for an unknown payment", event_id)
        return "unknown"
    if handlers[kind] == "paid":
        if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
            return "noop"
        amount = obj.get("amount_total") if "amount_total" in obj else obj.get("amount")
        paid = from_stripe_amount(int(amount)) if isinstance(amount, int) else None
        return "paid" if confirm_payment(payment, paid_amount=paid) else "noop"
    if payment.status == PaymentStatus.PENDING:
        error = obj.get("last_payment_error") or {}
        payment.failure_message = clean_text(
            error.get("message") or _("The card was declined."), 500, "message")
        db.session.flush()
        return "failed"
    return "noop"


# --- bank transfer ----------------------------------------------------------------------------

def upload_transfer_proof(buyer: User, checkout: Checkout, data: bytes) -> Payment:
    """Attach the buyer's photo of the transfer receipt for staff to check.

    :raises NotFound: not the buyer's checkout.
    :raises Conflict: not a transfer waiting for payment.
    :raises ValidationError: not an acceptable image.
    """
    if not can(buyer, "order.buy", checkout):
        raise NotFound()
    payment = payment_for(checkout)
    if (payment.method != PaymentMethod.BANK_TRANSFER or payment.status != PaymentStatus.PENDING
            or not is_awaiting(checkout)):
        raise Conflict(_("This order is not waiting for a bank transfer."))
    if not data:
        raise ValidationError(_("Choose a photo of the transfer receipt."), field="proof")
    image = store_image(data, field="proof", private=True)  # never under public /media/
    db.session.flush()
    payment.proof_image_id = image.id
    payment.proof_uploaded_at = utcnow()
    payment.review_note = None
    audit.record(buyer, "payment.proof", payment, after={"image": image.id})
    db.session.flush()
    return payment


def confirm_transfer(staff: User, payment: Payment, note: str | None = None) -> Payment:
    """Staff saw the money in the bank account: the orders become new (Pesanan Baru).

    :raises PermissionDenied: not staff.
    :raises Conflict: not a pending transfer, or its orders were cancelled.
    """
    require(staff, "staff.work")
    if payment.method != PaymentMethod.BANK_TRANSFER or payment.status != PaymentStatus.PENDING:
        raise Conflict(_("This transfer is not waiting for confirmation."))
    if not is_awaiting(payment.checkout):
        raise Conflict(_("The orders of this transfer were cancelled."))
    payment.reviewed_by_id = staff.id
    payment.review_note = clean_text(note, 500, "note", required=False) or None
    if not confirm_payment(payment, staff, _("Transfer confirmed by staff")):
        raise Conflict(_("This transfer is not waiting for confirmation."))
    return payment


def reject_transfer(staff: User, payment: Payment, note: str) -> Payment:
    """Staff could not find the money: the buyer is told why and may upload a new proof.

    :raises PermissionDenied: not staff.
    :raises ValidationError: no reason given.
    :raises Conflict: not a pending transfer.
    """
    require(staff, "staff.work")
    note = clean_text(note, 500, "note")
    if payment.method != PaymentMethod.BANK_TRANSFER or payment.status != PaymentStatus.PENDING:
        raise Conflict(_("This transfer is not waiting for confirmation."))
    before = {"proof_image_id": payment.proof_image_id}
    payment.reviewed_by_id, payment.review_note = staff.id, note
    payment.proof_image_id, payment.proof_uploaded_at = None, None
    audit.record(staff, "payment.transfer_rejected", payment, before=before,
                 after={"note": note})
    notifications.transfer_rejected(payment.checkout, note)
    db.session.flush()
    return payment


# --- cash on delivery -------------------------------------------------------------------------

def record_cash_received(vendor: User, order: Order) -> Order:
    """The seller received the cash for a COD order at delivery: the sale is credited, once.

    :raises NotFound: not an order of the vendor's store.
    :raises Conflict: not a COD order, already paid, or not handed over yet.
    """
    if not can(vendor, "order.sell", order):
        raise NotFound()
    if order.payment_method != PaymentMethod.COD or order.payment_status != PaymentStatus.PENDING:
        raise Conflict(_("This order is not waiting for cash."))
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(_("Record the cash when you hand the goods over."))
    now = utcnow()
    payment = db.session.scalar(select(Payment).where(Payment.checkout_id == order.checkout_id)
                                .with_for_update())  # orders of one checkout, one at a time
    paymentflow.move(order, PaymentStatus.PAID, paid_at=now)
    ledger.record_sale(order)
    audit.record(vendor, "payment.cash_received", order, after={"amount": order.total})
    open_orders = [o for o in order.checkout.orders if o.status != OrderStatus.CANCELLED]
    if (payment.status == PaymentStatus.PENDING
            and all(o.payment_status == PaymentStatus.PAID for o in open_orders)):
        paymentflow.move(payment, PaymentStatus.PAID, paid_at=now)
    db.session.flush()
    return order


# --- expiry and cancellation ------------------------------------------------------------------

def _lock_payment(checkout: Checkout) -> Payment:
    """The checkout's payment under a row lock: taken before its orders' locks (see
    `confirm_payment`), so a cancel and an arriving payment queue instead of deadlocking."""
    payment = payment_for(checkout)
    db.session.flush()
    db.session.refresh(payment, with_for_update=True)
    return payment


def _cancel_waiting(checkout: Checkout, actor: User | None, reason: str) -> int:
    payment = _lock_payment(checkout)
    count = 0
    for order in checkout.orders:
        orderflow.lock(order)
        if order.status == OrderStatus.AWAITING_PAYMENT:
            orderflow.transition(order, OrderStatus.CANCELLED, actor, reason)
            count += 1
    if count and payment.status == PaymentStatus.PENDING:
        paymentflow.move(payment, PaymentStatus.FAILED, failure_message=reason)
        audit.record(actor, "payment.cancelled", payment, after={"reason": reason})
        notifications.checkout_cancelled(checkout, reason)
    db.session.flush()
    return count


def cancel_unpaid(buyer: User, checkout: Checkout, reason: str | None = None) -> Checkout:
    """The buyer cancels a checkout before paying: every waiting order, stock back once.

    :raises NotFound: not the buyer's checkout.
    :raises Conflict: nothing is waiting for payment (already paid or cancelled).
    :raises PaymentError: the card payment could not be stopped at Stripe (nothing changes).
    """
    if not can(buyer, "order.buy", checkout):
        raise NotFound()
    payment = _lock_payment(checkout)
    if payment.status != PaymentStatus.PENDING or not is_awaiting(checkout):
        raise Conflict(_("This order is already paid or cancelled."))
    if (payment.method == PaymentMethod.STRIPE and payment.provider_ref
            and _stripe_says_paid(payment, cancel=True)):
        raise Conflict(_("This order was just paid, so it cannot be cancelled here."))
    reason = clean_text(reason, 500, "reason", required=False) or _("Cancelled by the buyer")
    _cancel_waiting(checkout, buyer, reason)
    return checkout


def _stripe_says_paid(payment: Payment, cancel: bool) -> bool:
    """Whether Stripe already took the money (then record it); else stop the intent if asked."""
    try:
        intent = gateway.retrieve_payment_intent(payment.provider_ref)
        if intent.status == "succeeded":
            confirm_payment(payment, paid_amount=from_stripe_amount(intent.amount))
            return True
        if cancel and intent.status not in ("canceled",):
            gateway.cancel_payment_intent(payment.checkout.reference, intent.id)
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return False  # Stripe never heard of it: nothing was charged
        raise PaymentError(_("The card service did not answer. Please try again in a "
                             "moment.")) from exc
    except stripe.StripeError as exc:
        raise PaymentError(_("The card service did not answer. Please try again in a "
                             "moment.")) from exc
    return False


def expire_unpaid(now=None, hours: int | None = None) -> int:
    """Cancel checkouts still unpaid after the window; their stock goes back exactly once.

    A card payment that did succeed at Stripe (its webhook lost) is recorded instead.
    Returns how many orders were cancelled.
    """
    now = now or utcnow()
    hours = current_app.config["UNPAID_ORDER_TTL_HOURS"] if hours is None else hours
    cutoff = now - timedelta(hours=hours)
    checkout_ids = list(db.session.scalars(
        select(Order.checkout_id).where(Order.status == OrderStatus.AWAITING_PAYMENT,
                                        Order.created_at < cutoff)
        .distinct().order_by(Order.checkout_id)))
    count = 0
    for checkout_id in checkout_ids:
        checkout = db.session.get(Checkout, checkout_id)
        payment = payment_for(checkout)
        if (payment.method == PaymentMethod.STRIPE and payment.provider_ref
                and current_app.config.get("STRIPE_SECRET_KEY")):
            try:
                if _stripe_says_paid(payment, cancel=True):
                    continue
            except PaymentError:
                continue  # Stripe unreachable: try again on the next run, never guess
        count += _cancel_waiting(checkout, None, _("Payment not received in time"))
    return count
