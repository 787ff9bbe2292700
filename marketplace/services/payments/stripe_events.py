"""Stripe's signed event notifications: read strictly, record every one, act once.

The signature was checked by the caller. A signed event we cannot use (not a JSON object,
metadata that is not an object, no amount, ids with odd characters) is recorded with why and
changes nothing else; the webhook answers it with a 4xx, never a 500.
"""

import hashlib
import json
import logging
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Checkout, Payment, PaymentMethod, PaymentStatus, WebhookEvent
from marketplace.services.payments.methods import card_money_arrived
from marketplace.validation import clean_text

log = logging.getLogger(__name__)

#: Stripe's ids (evt_..., pi_..., cs_...) and our checkout references (PM-XXXX-...).
_PROVIDER_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
_CHECKOUT_REF = re.compile(r"[A-Za-z0-9-]{1,32}")
_EVENT_TYPE = re.compile(r"[a-z_.]{1,100}")
_CURRENCY = re.compile(r"[a-z]{3}")
#: Event type -> what it tells us. Other types are recorded and acknowledged.
HANDLED = {"payment_intent.succeeded": "paid", "checkout.session.completed": "paid",
           "payment_intent.payment_failed": "failed"}
#: Outcomes the webhook answers with a 4xx: the sender should know the event was unusable.
UNUSABLE = "malformed"


class _Unusable(ValueError):
    """Why a signed event cannot be acted on (for the record, not for users)."""


@dataclass(frozen=True)
class _Notice:
    intent_id: str | None
    reference: str | None
    received_minor: int | None
    currency: str | None
    session_paid: bool
    failure: str | None


def _id(value, pattern: re.Pattern, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _Unusable(f"{what} is not a usable id")
    return value


def _read(kind: str, event: dict) -> _Notice:
    """The parts of a payment event we use, each checked for type and shape."""
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise _Unusable("data.object is not an object")
    metadata = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise _Unusable("metadata is not an object")
    if obj.get("object") == "checkout.session":
        intent_id, reference = obj.get("payment_intent"), obj.get("client_reference_id")
        amount = obj.get("amount_total")
    else:
        intent_id, reference = obj.get("id"), metadata.get("checkout")
        amount = obj.get("amount_received", obj.get("amount"))
    intent_id = _id(intent_id, _PROVIDER_ID, "payment intent")
    reference = _id(reference, _CHECKOUT_REF, "checkout reference")
    if intent_id is None and reference is None:
        raise _Unusable("names no payment")
    currency = obj.get("currency")
    error = obj.get("last_payment_error")
    if HANDLED[kind] == "paid":
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise _Unusable("no whole, non-negative amount")
        if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
            raise _Unusable("no currency")
    if error is not None and not isinstance(error, dict):
        raise _Unusable("last_payment_error is not an object")
    message = (error or {}).get("message")
    return _Notice(intent_id, reference, amount, currency,
                   obj.get("payment_status") == "paid",
                   message if isinstance(message, str) else None)


def _find_payment(notice: _Notice) -> Payment | None:
    payment = None
    if notice.intent_id:
        payment = db.session.scalar(select(Payment).where(Payment.provider_ref ==
                                                          notice.intent_id))
    if payment is None and notice.reference:
        payment = db.session.scalar(
            select(Payment).join(Checkout).where(Checkout.reference == notice.reference,
                                                 Payment.method == PaymentMethod.STRIPE))
    return payment


def _act(kind: str, notice: _Notice, payment: Payment) -> str:
    if HANDLED[kind] == "paid":
        if kind == "checkout.session.completed" and not notice.session_paid:
            return "noop"
        return card_money_arrived(payment, notice.intent_id, notice.received_minor,
                                  notice.currency)
    if payment.status == PaymentStatus.PENDING:
        payment.failure_message = (clean_text((notice.failure or "")[:500], 500, "message",
                                              required=False)
                                   or _("The card was declined."))
        db.session.flush()
        return "failed"
    return "noop"


def handle_stripe_event(payload: bytes) -> str:
    """Act on a verified Stripe event (raw body), recording it in the same transaction.

    Returns what happened: "duplicate", "ignored", "unknown", "paid", "failed", "noop",
    "mismatch", "refunded", "queued" (money to give back, waiting for staff) or "malformed".
    Only moves a payment forward: a failure after success, or a repeat, changes nothing.
    """
    try:
        event = json.loads(payload)
    except ValueError:
        event = None
    event_id = event.get("id") if isinstance(event, dict) else None
    kind = event.get("type") if isinstance(event, dict) else None
    usable_id = isinstance(event_id, str) and _PROVIDER_ID.fullmatch(event_id)
    if not usable_id:
        # Recorded under a hash of the body, so the same unusable body is one record.
        event_id = "unusable-" + hashlib.sha256(payload).hexdigest()[:40]
    seen = db.session.scalar(select(WebhookEvent).where(WebhookEvent.event_id == event_id))
    if seen is not None:
        return UNUSABLE if seen.outcome == UNUSABLE else "duplicate"
    usable_kind = isinstance(kind, str) and _EVENT_TYPE.fullmatch(kind)
    record = WebhookEvent(provider="stripe", event_id=event_id,
                          type=kind if usable_kind else "unknown")
    db.session.add(record)
    db.session.flush()  # the id is claimed now: a concurrent copy fails here
    if not usable_id or not usable_kind:
        record.outcome, record.detail = UNUSABLE, "not an event object with an id and a type"
    elif kind not in HANDLED:
        record.outcome = "ignored"
    else:
        try:
            notice = _read(kind, event)
        except _Unusable as why:
            record.outcome, record.detail = UNUSABLE, str(why)
        else:
            payment = _find_payment(notice)
            if payment is None:
                log.info("Stripe event %s for an unknown payment", event_id)
                record.outcome = "unknown"
            else:
                record.outcome = _act(kind, notice, payment)
    if record.outcome == UNUSABLE:
        log.warning("Unusable Stripe event %s: %s", event_id, record.detail)
    db.session.flush()
    return record.outcome
