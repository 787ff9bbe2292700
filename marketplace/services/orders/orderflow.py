"""The order state machine: one table of who may move an order from which status to which."""

from flask_babel import gettext as _

from marketplace.clock import utcnow
from marketplace.errors import InvalidTransition, PermissionDenied
from marketplace.extensions import db
from marketplace.models import Order, OrderEvent, OrderStatus, User
from marketplace.permissions import can
from marketplace.services.catalog.inventory import release_stock

S = OrderStatus

#: (from, to) -> the kinds of actor allowed: buyer, vendor (the store's owner), staff, system.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], frozenset[str]] = {
    (S.AWAITING_PAYMENT, S.NEW): frozenset({"system", "staff"}),
    (S.AWAITING_PAYMENT, S.CANCELLED): frozenset({"buyer", "staff", "system"}),
    (S.NEW, S.PROCESSING): frozenset({"vendor"}),
    (S.NEW, S.CANCELLED): frozenset({"buyer", "vendor", "staff"}),
    (S.PROCESSING, S.SHIPPED): frozenset({"vendor"}),
    (S.PROCESSING, S.CANCELLED): frozenset({"vendor", "staff"}),
    (S.SHIPPED, S.DELIVERED): frozenset({"vendor", "staff"}),
    (S.SHIPPED, S.COMPLETED): frozenset({"buyer"}),
    (S.DELIVERED, S.COMPLETED): frozenset({"buyer", "system", "staff"}),
}

#: The timestamp each status sets on the order when it is reached.
_REACHED_AT = {
    S.NEW: None, S.PROCESSING: "accepted_at", S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at", S.COMPLETED: "completed_at", S.CANCELLED: "cancelled_at",
}


def actor_kinds(order: Order, actor: User | None) -> set[str]:
    """What the actor is to this order; the system (webhooks, cron) acts with no user."""
    if actor is None:
        return {"system"}
    kinds = set()
    if can(actor, "order.buy", order):
        kinds.add("buyer")
    if can(actor, "order.sell", order):
        kinds.add("vendor")
    if can(actor, "staff.work"):
        kinds.add("staff")
    return kinds


def allowed_next(order: Order, actor: User | None) -> list[OrderStatus]:
    """The statuses this actor may move the order to now (for showing the right buttons)."""
    kinds = actor_kinds(order, actor)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == order.status and who & kinds]


def lock(order: Order) -> Order:
    """Re-read the order under a row lock held until commit (SELECT ... FOR UPDATE).

    Two actions on one order (a buyer's cancel and the seller's accept) then run one after
    the other, and the second sees what the first did. SQLite has no row locks: there every
    writing request already holds the database's write lock (BEGIN IMMEDIATE).
    """
    db.session.flush()
    db.session.refresh(order, with_for_update=True)
    return order


def transition(order: Order, to: OrderStatus, actor: User | None,
               note: str | None = None) -> OrderEvent:
    """Move the order, record who/when/why, and give stock back when it is cancelled.

    The order is locked and re-read first, so of two racing moves exactly one happens.
    Money (refunds, ledger) and notifications belong to the calling service.

    :raises PermissionDenied: the actor has no part in this order.
    :raises InvalidTransition: the move is not allowed from the current status for this actor
        (also when another action changed the order a moment ago).
    """
    kinds = actor_kinds(order, actor)
    if not kinds:
        raise PermissionDenied()
    lock(order)
    allowed = TRANSITIONS.get((order.status, to), frozenset())
    if not allowed & kinds:
        raise InvalidTransition(_("This step is not possible for this order now: it may have "
                                  "just been changed by someone else. Reload the page to see "
                                  "its current status."))
    event = OrderEvent(order=order, actor_id=getattr(actor, "id", None),
                       from_status=order.status, to_status=to, note=note)
    db.session.add(event)
    order.status = to
    stamp = _REACHED_AT.get(to)
    if stamp:
        setattr(order, stamp, utcnow())
    if to == S.CANCELLED:
        order.cancel_reason = note
        release_stock(order)
    db.session.flush()
    return event
