"""Payments: card (Stripe), bank transfer with proof, cash on delivery; expiry and cancel.

A payment only ever moves forward: pending -> paid. Marking it paid is claimed with one
conditional UPDATE, so a webhook and the buyer's return page racing each other record the
sale once. Calls to Stripe carry deterministic idempotency keys (see `stripe_gateway`).
"""

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
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
    PaymentIssue,
    PaymentIssueKind,
    PaymentIssueStatus,
    PaymentMethod,
    PaymentStatus,
    User,
)
from marketplace.money import to_stripe_amount
from marketplace.permissions import can, require
from marketplace.services.orders import notifications, orderflow
from marketplace.services.payments import paymentflow, refunds
from marketplace.services.payouts import ledger
from marketplace.services.staff import audit
from marketplace.validation import clean_text

log = logging.getLogger(__name__)

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

def confirm_payment(payment: Payment, actor: User | None = None,
                    note: str | None = None) -> bool:
    """Mark the payment paid, its waiting orders new (Pesanan Baru), credit each store; once.

    Returns False when it was no longer pending (a duplicate notice changes nothing). Orders
    that were cancelled meanwhile are not revived (card money for them: `card_money_arrived`).
    """
    now = utcnow()
    try:
        paymentflow.move(payment, PaymentStatus.PAID, paid_at=now, failure_message=None)
    except InvalidTransition:
        return False
    checkout = payment.checkout
    for order in checkout.orders:
        orderflow.lock(order)  # a cancel racing this payment: one of the two goes first
        if order.status == OrderStatus.CANCELLED:
            continue
        if order.status == OrderStatus.AWAITING_PAYMENT:
            orderflow.transition(order, OrderStatus.NEW, actor, note or _("Payment received"))
            notifications.new_order_for_store(order)
        if order.payment_status == PaymentStatus.PENDING:
            paymentflow.move(order, PaymentStatus.PAID, paid_at=now)
        ledger.record_sale(order)
    audit.record(actor, "payment.paid", payment, before={"status": "pending"},
                 after={"status": "paid", "amount": payment.amount,
                        "method": payment.method.value, "provider_ref": payment.provider_ref})
    notifications.payment_received(checkout)
    db.session.flush()
    return True


def card_money_arrived(payment: Payment, intent_id: str | None, received_minor: int,
                       currency: str) -> str:
    """Stripe says a card payment for this checkout succeeded: book it, or make sure it goes back.

    Paid means the amount and currency equal what the checkout asked for; anything else is
    recorded for staff and the orders stay unpaid ("mismatch"). Money no order can take any
    more (the orders were cancelled, or the checkout was already paid by another payment) is
    refunded through Stripe, or queued for staff when that fails ("refunded" / "queued").
    The same money reported again changes nothing ("noop"). Returns one of those words.
    """
    payment = _lock_payment(payment.checkout)
    if payment.provider_ref is None and intent_id:
        payment.provider_ref = intent_id
    intent_id = intent_id or payment.provider_ref
    expected = payment.requested_amount or payment.amount
    if payment.status != PaymentStatus.PENDING:
        if intent_id == payment.provider_ref and payment.status != PaymentStatus.FAILED:
            return "noop"  # e.g. checkout.session.completed, then payment_intent.succeeded
        return _give_back(payment, intent_id, received_minor, currency, expected, None,
                          _("Card money arrived after the order was cancelled or paid."))
    if currency != gateway.CURRENCY or received_minor != to_stripe_amount(expected):
        return _record_issue(payment, PaymentIssueKind.MISMATCH, PaymentIssueStatus.OPEN,
                             intent_id, received_minor, currency, expected, None,
                             _("Stripe reported a different amount or currency than the "
                               "checkout asked for; the orders stay unpaid."))
    open_total = 0
    for order in payment.checkout.orders:
        orderflow.lock(order)
        if order.status != OrderStatus.CANCELLED:
            open_total += order.total
    if open_total == 0:
        return _give_back(payment, intent_id, received_minor, currency, expected, None,
                          _("Card money arrived after every order was cancelled."))
    confirm_payment(payment)
    if expected > open_total:
        _give_back(payment, intent_id, received_minor, currency, expected,
                   expected - open_total,
                   _("Part of the card money was for an order cancelled before it arrived."))
    return "paid"


def _give_back(payment: Payment, intent_id: str | None, received_minor: int, currency: str,
               expected: int, amount: int | None, note: str) -> str:
    """Refund card money nothing can take (all of it when `amount` is None), or queue it."""
    if db.session.scalar(select(PaymentIssue.id).where(
            PaymentIssue.provider_ref == (intent_id or ""),
            PaymentIssue.kind == PaymentIssueKind.UNCLAIMED)) is not None:
        return "noop"  # already given back (or queued) for this very payment
    try:
        refund_ref = refunds.card_refund(intent_id, amount, payment.checkout.reference,
                                         f"unclaimed-{intent_id}")
    except PaymentError:
        return _record_issue(payment, PaymentIssueKind.UNCLAIMED, PaymentIssueStatus.OPEN,
                             intent_id, received_minor, currency, expected, None,
                             note + " " + _("The automatic refund failed: give it back by "
                                            "hand."))
    return _record_issue(payment, PaymentIssueKind.UNCLAIMED, PaymentIssueStatus.REFUNDED,
                         intent_id, received_minor, currency, expected, refund_ref, note)


def _record_issue(payment: Payment, kind: PaymentIssueKind, status: PaymentIssueStatus,
                  intent_id: str | None, received_minor: int, currency: str, expected: int,
                  refund_ref: str | None, note: str) -> str:
    outcome = ("mismatch" if kind == PaymentIssueKind.MISMATCH
               else "refunded" if status == PaymentIssueStatus.REFUNDED else "queued")
    if db.session.scalar(select(PaymentIssue.id).where(
            PaymentIssue.provider_ref == (intent_id or ""), PaymentIssue.kind == kind)):
        return outcome  # the same money reported twice is one issue
    issue = PaymentIssue(payment_id=payment.id, kind=kind, status=status,
                         provider_ref=intent_id or "", received_minor=received_minor,
                         currency=currency[:10], expected_amount=expected,
                         refund_ref=refund_ref, note=note)
    db.session.add(issue)
    db.session.flush()
    audit.record(None, f"payment.{kind.value}", payment, after={
        "issue": issue.id, "status": status.value, "received_minor": received_minor,
        "currency": currency, "expected": expected, "refund": refund_ref,
        "provider_ref": intent_id})
    return outcome


def payment_issues(staff: User) -> list[PaymentIssue]:
    """Card money staff must look at (open, oldest first), then the last 20 handled ones.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    open_ones = db.session.scalars(select(PaymentIssue).where(
        PaymentIssue.status == PaymentIssueStatus.OPEN).order_by(PaymentIssue.id)).all()
    handled = db.session.scalars(select(PaymentIssue).where(
        PaymentIssue.status != PaymentIssueStatus.OPEN)
        .order_by(PaymentIssue.id.desc()).limit(20)).all()
    return [*open_ones, *handled]


def resolve_issue(staff: User, issue_id: int, note: str) -> PaymentIssue:
    """Staff gave the money back by hand (or settled it otherwise) and say how.

    :raises PermissionDenied: not staff.
    :raises NotFound: no such issue.
    :raises ValidationError: no note.
    :raises Conflict: not open any more.
    """
    require(staff, "staff.work")
    issue = db.session.get(PaymentIssue, issue_id, with_for_update=True)
    if issue is None:
        raise NotFound()
    note = clean_text(note, 1000, "note")
    if issue.status != PaymentIssueStatus.OPEN:
        raise Conflict(_("This payment problem was already handled."))
    issue.status, issue.resolution = PaymentIssueStatus.RESOLVED, note
    issue.resolved_by_id, issue.resolved_at = staff.id, utcnow()
    audit.record(staff, "payment.issue_resolved", issue, after={"note": note})
    db.session.flush()
    return issue


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
    import stripe  # only where a card is handled: see stripe_gateway
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
            payment.requested_amount = amount_due(checkout)
            intent = gateway.create_payment_intent(checkout.reference, payment.requested_amount,
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
    payment = _check_card_payable(buyer, checkout)
    payment.requested_amount = amount_due(checkout)
    import stripe  # only where a card is handled: see stripe_gateway
    try:
        session = gateway.create_checkout_session(checkout.reference, payment.requested_amount,
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
    import stripe  # only where a card is handled: see stripe_gateway
    try:
        intent = gateway.retrieve_payment_intent(payment.provider_ref)
    except stripe.StripeError as exc:
        log.warning("Could not refresh %s: %s", checkout.reference, exc)
        return payment
    _apply_intent_status(payment, intent)
    return payment


def _apply_intent_status(payment: Payment, intent) -> None:
    if intent.status == "succeeded":
        card_money_arrived(payment, intent.id, intent.amount, intent.currency)
    elif intent.status == "requires_action":
        payment.failure_message = _("Your bank asks you to confirm this payment (3-D Secure).")
    elif intent.status == "requires_payment_method":
        error = getattr(intent, "last_payment_error", None)
        payment.failure_message = _("The card was declined. Try another card or pay by bank "
                                    "transfer.") if error else None
    db.session.flush()


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

def _check_cash_due(order: Order) -> None:
    """:raises Conflict: not a COD order waiting for cash, or the goods not handed over yet."""
    if order.payment_method != PaymentMethod.COD or order.payment_status != PaymentStatus.PENDING:
        raise Conflict(_("This order is not waiting for cash."))
    if order.status not in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        raise Conflict(_("Record the cash when you hand the goods over."))


def cash_due(order: Order) -> bool:
    """Whether the seller can record the COD cash now (the rule `record_cash_received` keeps)."""
    try:
        _check_cash_due(order)
    except Conflict:
        return False
    return True


def record_cash_received(vendor: User, order: Order) -> Order:
    """The seller received the cash for a COD order at delivery: the sale is credited, once.

    :raises NotFound: not an order of the vendor's store.
    :raises Conflict: not a COD order, already paid, or not handed over yet.
    """
    if not can(vendor, "order.sell", order):
        raise NotFound()
    _check_cash_due(order)
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
    import stripe  # only where a card is handled: see stripe_gateway
    try:
        intent = gateway.retrieve_payment_intent(payment.provider_ref)
        if intent.status == "succeeded":
            return card_money_arrived(payment, intent.id, intent.amount,
                                      intent.currency) == "paid"
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
