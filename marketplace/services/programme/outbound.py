"""Signed events for ministry systems: subscriptions, an outbox of events, deliveries with retries.

An event is recorded in the transaction of the change that caused it (store verified or
suspended, a store graduating), or by `flask events daily-counts` after a Jakarta day ends
(that day's count of completed orders), with one delivery row per subscription that wants its
kind. After the commit a background job POSTs it, signed like
Stripe's webhooks: header `Pasar-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" under the subscription's secret>`. A failed attempt keeps its answer on the row
and the job is retried with growing delays (marketplace.jobs.RETRY_DELAYS); after the last
one the delivery is marked failed, and staff can replay it. Delivery is at least once:
receivers recognise a repeat by the event id.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import case, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from marketplace import jobs
from marketplace.clock import to_jakarta, utcnow
from marketplace.database import write_intent
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    DeliveryStatus,
    EventDelivery,
    EventSubscription,
    Order,
    OutboundEvent,
    Store,
    User,
)
from marketplace.permissions import require
from marketplace.services.payouts.sales import jakarta_midnight
from marketplace.services.staff import audit
from marketplace.validation import clean_text

log = logging.getLogger(__name__)

KINDS = ("store.verified", "store.suspended", "store.graduated", "order.completed")
SIGNATURE_HEADER = "Pasar-Signature"
#: Attempts before a delivery is marked failed: the first plus one per job retry.
MAX_ATTEMPTS = len(jobs.RETRY_DELAYS) + 1
TIMEOUT_SECONDS = 10
_PENDING_KEY = "outbound_pending"
#: Ended days `send_daily_counts` looks back for counts not sent yet (after downtime).
CATCH_UP_DAYS = 31


# --- subscriptions (staff) ------------------------------------------------------------------

def subscriptions(staff: User) -> list[EventSubscription]:
    require(staff, "staff.work")
    return list(db.session.scalars(select(EventSubscription).order_by(EventSubscription.id)))


def add_subscription(staff: User, *, name: str, url: str, secret: str,
                     kinds: list[str]) -> EventSubscription:
    """Start sending the chosen kinds of event to a ministry system's URL.

    :raises PermissionDenied: not staff.
    :raises ValidationError: no name, a URL that is not http(s), a secret shorter than 16
        characters, or no (or an unknown) event kind.
    """
    require(staff, "staff.work")
    errors = {}
    try:
        name = clean_text(name, 120, "name")
    except ValidationError as exc:
        errors["name"] = exc.message
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
        errors["url"] = _("Enter the full address, starting with https://.")
    secret = (secret or "").strip()
    if not 16 <= len(secret) <= 200:
        errors["secret"] = _("The secret must be 16 to 200 characters long.")
    if not kinds or any(k not in KINDS for k in kinds):
        errors["kinds"] = _("Choose at least one kind of event.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    subscription = EventSubscription(name=name, url=url, secret=secret,
                                     kinds=",".join(k for k in KINDS if k in kinds),
                                     created_by_id=staff.id)
    db.session.add(subscription)
    db.session.flush()
    audit.record(staff, "events.subscribe", subscription, None,
                 {"name": name, "url": url, "kinds": subscription.kinds})
    return subscription


def set_active(staff: User, subscription_id: int, active: bool) -> EventSubscription:
    """Pause or resume a subscription (paused: new events are not sent to it).

    :raises NotFound: no such subscription.
    """
    require(staff, "staff.work")
    subscription = db.session.get(EventSubscription, subscription_id)
    if subscription is None:
        raise NotFound()
    if subscription.active != active:
        audit.record(staff, "events.resume" if active else "events.pause", subscription,
                     {"active": subscription.active}, {"active": active})
        subscription.active = active
        db.session.flush()
    return subscription


def deliveries(staff: User, status: str = "", limit: int = 100) -> list[EventDelivery]:
    """The delivery log, newest first (optionally one status)."""
    require(staff, "staff.work")
    stmt = (select(EventDelivery).options(joinedload(EventDelivery.event),
                                          joinedload(EventDelivery.subscription))
            .order_by(EventDelivery.id.desc()).limit(limit))
    if status in {s.value for s in DeliveryStatus}:
        stmt = stmt.where(EventDelivery.status == DeliveryStatus(status))
    return list(db.session.scalars(stmt))


def replay(staff: User, delivery_id: int) -> EventDelivery:
    """Send a delivery again (failed, or delivered and lost by the receiver), with fresh tries.

    :raises NotFound: no such delivery.
    """
    require(staff, "staff.work")
    delivery = db.session.get(EventDelivery, delivery_id)
    if delivery is None:
        raise NotFound()
    audit.record(staff, "events.replay", delivery, {"status": delivery.status.value,
                                                    "attempts": delivery.attempts}, None)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    db.session.flush()
    _after_commit(delivery)
    return delivery


# --- emitting -------------------------------------------------------------------------------

def _subscribers(kind: str) -> list[EventSubscription]:
    return [s for s in db.session.scalars(select(EventSubscription).where(
        EventSubscription.active.is_(True))) if kind in s.kind_list]


def wanted(kind: str) -> bool:
    """Whether any active subscription receives this kind (skip costly work when none does)."""
    return bool(_subscribers(kind))


def emit(kind: str, key: str, payload: dict) -> OutboundEvent | None:
    """Record an event for every active subscription to its kind, in the current transaction.

    The same `key` is recorded once: a repeat (or an event nobody subscribes to) returns None.
    """
    wanted = _subscribers(kind)
    if not wanted:
        return None
    outbound = OutboundEvent(kind=kind, key=key[:120],
                             payload=json.loads(json.dumps(payload, default=str)))
    try:
        with db.session.begin_nested():
            db.session.add(outbound)
    except IntegrityError:
        return None
    for subscription in wanted:
        delivery = EventDelivery(event=outbound, subscription=subscription)
        db.session.add(delivery)
        _after_commit(delivery)
    db.session.flush()
    return outbound


def store_changed(store: Store) -> None:
    """A store was verified (or reinstated) or suspended: tell whoever subscribed."""
    kind = {"verified": "store.verified", "suspended": "store.suspended"}.get(store.status.value)
    if kind is None:
        return
    now = utcnow()
    emit(kind, f"{kind}:{store.id}:{now.isoformat()}", {
        "store_id": store.id, "slug": store.slug, "name": store.name,
        "province_code": store.province_code, "status": store.status.value,
        "at": now.isoformat()})


def stores_graduated(graduated: dict[int, date]) -> int:
    """Announce each store's graduation once ever; returns how many were new."""
    if not graduated:
        return 0
    known = set(db.session.scalars(select(OutboundEvent.key).where(
        OutboundEvent.kind == "store.graduated")))
    fresh = 0
    for store_id, month in sorted(graduated.items()):
        key = f"store.graduated:{store_id}"
        if key not in known and emit("store.graduated", key, {
                "store_id": store_id, "graduated_in": month.isoformat()[:7]}):
            fresh += 1
    return fresh


def _last_daily_count() -> date | None:
    # Only keys of exactly "order.completed:YYYY-MM-DD" (events once carried a running count).
    key = db.session.scalar(select(OutboundEvent.key).where(
        OutboundEvent.kind == "order.completed",
        OutboundEvent.key.like("order.completed:____-__-__"))
        .order_by(OutboundEvent.key.desc()).limit(1))
    return date.fromisoformat(key.rsplit(":", 1)[1]) if key else None


def send_daily_counts(day: date | None = None) -> list[date]:
    """Record `order.completed` with the number of orders completed in ended Jakarta days.

    With `day`, that day alone; otherwise every ended day after the last one sent (yesterday
    on the first run), at most CATCH_UP_DAYS back, so a missed night is caught up. A day is
    sent once ever (key `order.completed:<date>`), with 0 when nothing was completed so the
    receiver knows the day was counted; nothing is counted while nobody subscribes. Returns
    the days recorded now.
    """
    if not wanted("order.completed"):
        return []
    yesterday = to_jakarta(utcnow()).date() - timedelta(days=1)
    if day is not None:
        days = [day] if day <= yesterday else []
    else:
        last = _last_daily_count()
        first = max(last + timedelta(days=1) if last else yesterday,
                    yesterday - timedelta(days=CATCH_UP_DAYS - 1))
        days = [first + timedelta(days=i) for i in range((yesterday - first).days + 1)]
    completed = _completed_per_day(days)
    sent = []
    for each in days:
        if emit("order.completed", f"order.completed:{each.isoformat()}",
                {"date": each.isoformat(), "completed_orders": completed.get(each, 0)}):
            sent.append(each)
    return sent


def _completed_per_day(days: list[date]) -> dict[date, int]:
    """Orders completed in each of these consecutive Jakarta days, in one grouped statement.
    The days' bounds are computed here, so the database converts no timestamps."""
    if not days:
        return {}
    ends = [jakarta_midnight(each + timedelta(days=1)) for each in days]
    number = case(*((Order.completed_at < end, index) for index, end in enumerate(ends)))
    rows = db.session.execute(
        select(number, func.count())
        .where(Order.completed_at >= jakarta_midnight(days[0]), Order.completed_at < ends[-1])
        .group_by(number))
    return {days[index]: count for index, count in rows}


# --- delivering -----------------------------------------------------------------------------

def _after_commit(delivery: EventDelivery) -> None:
    db.session.info.setdefault(_PENDING_KEY, []).append(delivery)


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    # A SAVEPOINT rolled back (emit's repeated key) leaves the transaction's other events.
    if not session.in_nested_transaction():
        session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    # Releasing a SAVEPOINT (emit's begin_nested) fires after_commit too: wait for the real
    # commit, or a second event in one transaction would send the first before it is visible.
    if session.in_nested_transaction():
        return
    for delivery in session.info.pop(_PENDING_KEY, None) or ():
        if delivery.id is not None:
            jobs.enqueue("marketplace.services.programme.outbound.deliver",
                         key=f"event-delivery-{delivery.id}-{delivery.attempts}",
                         delivery_id=delivery.id)


def body_of(outbound: OutboundEvent) -> bytes:
    return json.dumps({"id": outbound.id, "type": outbound.kind,
                       "created": outbound.created_at.isoformat(), "data": outbound.payload},
                      sort_keys=True, separators=(",", ":")).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def deliver(delivery_id: int) -> bool:
    """POST one delivery unless it is delivered or paused; True if it was delivered now.

    :raises OSError: the receiver did not answer 2xx; the answer is kept on the row and the
        job is retried (until MAX_ATTEMPTS, then the delivery is marked failed).
    """
    with Session(db.engine, expire_on_commit=False) as session:
        with write_intent(), session.begin():
            row = session.get(EventDelivery, delivery_id)
            if row is None or row.status != DeliveryStatus.PENDING:
                return False
            subscription, outbound = row.subscription, row.event
            if not subscription.active:
                return False
            body = body_of(outbound)
        status, error = _post(subscription.url, subscription.secret, body, outbound)
        with write_intent(), session.begin():
            attempts = row.attempts + 1
            done = error is None
            session.execute(update(EventDelivery).where(EventDelivery.id == delivery_id).values(
                attempts=attempts, last_status=status, last_error=error,
                last_attempt_at=utcnow(), delivered_at=utcnow() if done else None,
                status=DeliveryStatus.DELIVERED if done else (
                    DeliveryStatus.FAILED if attempts >= MAX_ATTEMPTS
                    else DeliveryStatus.PENDING)))
    if error is not None and attempts < MAX_ATTEMPTS:
        raise OSError(error)
    return error is None


def _post(url: str, secret: str, body: bytes, outbound: OutboundEvent) -> tuple[int | None,
                                                                                str | None]:
    # Only http(s) URLs are accepted when a subscription is saved (add_subscription).
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "application/json", "User-Agent": "PasarMandiri-Events/1",
        SIGNATURE_HEADER: signature(secret, int(time.time()), body),
        "Pasar-Event-Id": str(outbound.id), "Pasar-Event-Type": outbound.kind})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return answer.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        log.warning("Event delivery to %s failed: %s", urlsplit(url).hostname, exc)
        return None, (str(exc) or type(exc).__name__)[:1000]
