"""Fulfilment: the vendor accepts, ships and delivers; buyers confirm, cancel and ask refunds.

Every status change goes through `orderflow.transition` (who may, event row, stock back once);
this module adds the money (refunds through the original payment method, ledger entries) and
the emails, which are queued in the transaction and leave only after it commits.
"""

import re
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.clock import as_utc, utcnow
from marketplace.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from marketplace.extensions import db
from marketplace.mail import page_link, queue_email
from marketplace.models import (
    Order,
    OrderStatus,
    Refund,
    RefundRequest,
    RefundRequestStatus,
    ShippingMethod,
    Store,
    User,
)
from marketplace.money import format_rupiah
from marketplace.permissions import can, require
from marketplace.services.orders.orderflow import actor_kinds, lock, transition
from marketplace.services.payments.refunds import refund_order, refundable
from marketplace.services.staff import audit
from marketplace.validation import clean_text

S = OrderStatus
#: 1x24 hours to accept a new order, 2x24 hours to ship an accepted one.
RESPOND_WITHIN = timedelta(hours=24)
SHIP_WITHIN = timedelta(hours=48)
#: Days after delivery before an order completes by itself (`flask orders auto-complete`).
AUTO_COMPLETE_DAYS = 3

COURIERS = ("JNE", "J&T Express", "SiCepat", "POS Indonesia", "AnterAja", "Ninja Xpress",
            "TIKI", "Lion Parcel", "Wahana", "GoSend", "GrabExpress")
_RESI = re.compile(r"^[A-Z0-9][A-Z0-9-]{5,39}$")



# --- loading, scoped to the actor -------------------------------------------------------------

def order_for_vendor(user: User, reference: str) -> Order:
    """The order with this reference if the user manages its store (owner, or her facilitator).

    :raises NotFound: no such order in the user's store (another store's order looks absent).
    """
    order = db.session.scalar(select(Order).where(Order.reference == reference))
    if order is None or not can(user, "store.manage", order.store):
        raise NotFound()
    return order


def order_for_buyer(user: User, reference: str) -> Order:
    """The buyer's own order with this reference.

    :raises NotFound: no such order among the user's orders.
    """
    order = db.session.scalar(
        select(Order).where(Order.reference == reference, Order.buyer_id == user.id)
    )
    if order is None:
        raise NotFound()
    return order


# --- deadlines --------------------------------------------------------------------------------

def respond_by(order: Order):
    """When a new order must be accepted (24 hours after it became a new, payable order)."""
    if order.status != S.NEW:
        return None
    return as_utc(order.paid_at or order.created_at) + RESPOND_WITHIN


def ship_by(order: Order):
    """When an accepted order must be shipped (48 hours after it was accepted)."""
    if order.status != S.PROCESSING or order.accepted_at is None:
        return None
    return as_utc(order.accepted_at) + SHIP_WITHIN


def deadline(order: Order):
    """The order's next deadline for the seller (accept, then ship), or None."""
    return respond_by(order) or ship_by(order)


def is_late(order: Order, now=None) -> bool:
    """Past its respond or ship deadline."""
    now = now or utcnow()
    due = deadline(order)
    return due is not None and now > due


# --- notifications ----------------------------------------------------------------------------

def _notify(user: User, order: Order, subject, body) -> None:
    """Queue an email in the person's language, ending with the link to the order's page.

    It is delivered only if the change commits. The seller gets the order desk's page, the
    buyer the order in My orders.
    """
    endpoint = ("vendor.order_detail" if user.id == order.store.owner_id
                else "account.order_detail")
    with force_locale(user.locale or "id"):
        queue_email(user.email, str(subject()),
                    f"{body()}\n\n{page_link(endpoint, reference=order.reference)}")


def _money(amount: int, user: User) -> str:
    return format_rupiah(amount, user.locale or "id")


def _notify_status(order: Order, actor: User | None) -> None:
    buyer, owner = order.buyer, order.store.owner
    ref = order.reference
    if order.status == S.PROCESSING:
        _notify(buyer, order, lambda: _("Order %(ref)s is being processed", ref=ref),
                lambda: _("%(store)s accepted your order %(ref)s and is preparing it.",
                          store=order.store.name, ref=ref))
    elif order.status == S.SHIPPED:
        _notify(buyer, order, lambda: _("Order %(ref)s has been shipped", ref=ref),
                lambda: _("Your order %(ref)s is on its way. Courier: %(courier)s. "
                          "Tracking number (resi): %(resi)s.", ref=ref,
                          courier=order.courier or _("the seller"),
                          resi=order.tracking_number or "-"))
    elif order.status == S.DELIVERED:
        _notify(buyer, order, lambda: _("Order %(ref)s has been delivered", ref=ref),
                lambda: _("Your order %(ref)s has arrived. Please confirm receipt and review "
                          "the products in My orders.", ref=ref))
    elif order.status == S.COMPLETED:
        _notify(owner, order, lambda: _("Order %(ref)s is complete", ref=ref),
                lambda: _("The buyer received order %(ref)s. Thank you!", ref=ref))
    elif order.status == S.CANCELLED:
        for person in {buyer, owner} - ({actor} if actor else set()):
            _notify(person, order, lambda: _("Order %(ref)s was cancelled", ref=ref),
                    lambda: _("Order %(ref)s was cancelled. Reason: %(reason)s",
                              ref=ref, reason=order.cancel_reason or "-"))


def _move(order: Order, to: OrderStatus, actor: User | None, note: str | None = None) -> None:
    transition(order, to, actor, note)
    _notify_status(order, actor)


# --- vendor actions ---------------------------------------------------------------------------

def accept_order(actor: User, order: Order) -> Order:
    """The seller takes a new order (Pesanan Baru -> Diproses).

    :raises PermissionDenied: not this order's seller.
    :raises InvalidTransition: the order is not new.
    """
    _move(order, S.PROCESSING, actor)
    return order


def check_shipment(courier: str | None, tracking_number: str | None) -> tuple[str, str]:
    """A courier from the list and a tracking number (resi) of letters, digits and dashes.

    :raises ValidationError: every problem, per field.
    """
    errors = {}
    courier = (courier or "").strip()
    if courier not in COURIERS:
        errors["courier"] = _("Choose the courier from the list.")
    resi = re.sub(r"\s+", "", tracking_number or "").upper()
    if not _RESI.match(resi):
        errors["tracking_number"] = _("Enter the tracking number (resi): 6 to 40 letters, "
                                      "digits or dashes.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return courier, resi


def ship_order(actor: User, order: Order, courier: str | None = None,
               tracking_number: str | None = None) -> Order:
    """Hand the parcel to a courier with its resi, or set off to deliver it yourself.

    :raises PermissionDenied: not this order's seller.
    :raises ValidationError: courier order without a valid courier and resi.
    :raises InvalidTransition: the order was not accepted first, or is for pickup.
    """
    if order.shipping_method == ShippingMethod.PICKUP:
        raise InvalidTransition(_("This order is picked up by the buyer: mark it as picked up."))
    by_courier = order.shipping_method == ShippingMethod.COURIER
    if by_courier:
        courier, resi = check_shipment(courier, tracking_number)
    transition(order, S.SHIPPED, actor,
               f"{courier} {resi}" if by_courier else _("Delivered by the seller"))
    if by_courier:
        order.courier, order.tracking_number = courier, resi
    _notify_status(order, actor)
    db.session.flush()
    return order


def hand_over(actor: User, order: Order) -> Order:
    """Pickup or self-delivery: the buyer has the goods (Diproses -> Dikirim -> delivered).

    :raises PermissionDenied: not this order's seller.
    :raises InvalidTransition: not accepted first, or a courier order (it needs a resi).
    """
    if order.shipping_method == ShippingMethod.COURIER:
        raise InvalidTransition(_("Courier orders are shipped with a tracking number (resi)."))
    note = (_("Picked up by the buyer") if order.shipping_method == ShippingMethod.PICKUP
            else _("Delivered by the seller"))
    transition(order, S.SHIPPED, actor, note)
    _move(order, S.DELIVERED, actor, note)
    return order


def mark_delivered(actor: User, order: Order) -> Order:
    """The parcel arrived (Dikirim -> delivered); the buyer is asked to confirm and review.

    :raises PermissionDenied: not this order's seller or staff.
    :raises InvalidTransition: the order was not shipped.
    """
    _move(order, S.DELIVERED, actor)
    return order


def cancel_order(actor: User, order: Order, reason: str) -> Order:
    """Cancel with a reason: stock goes back once, and paid money goes back the way it came.

    :raises ValidationError: no reason given.
    :raises PermissionDenied: no part in this order.
    :raises InvalidTransition: too late to cancel (shipped, delivered, completed).
    :raises PaymentError: the card refund failed (nothing is changed).
    """
    reason = clean_text(reason, 500, "reason")
    _move(order, S.CANCELLED, actor, reason)
    remaining = refundable(order)
    if remaining > 0:
        _refund(actor, order, remaining, reason)
    return order


# --- buyer actions ----------------------------------------------------------------------------

def confirm_receipt(buyer: User, order: Order) -> Order:
    """The buyer says the goods arrived: the order is complete (Selesai).

    :raises PermissionDenied: not this order's buyer.
    :raises InvalidTransition: the order is not shipped or delivered.
    """
    if "buyer" not in actor_kinds(order, buyer):
        raise PermissionDenied()
    _move(order, S.COMPLETED, buyer, _("Receipt confirmed by the buyer"))
    return order


def auto_complete(now=None, days: int | None = None) -> int:
    """Complete orders delivered more than `days` ago with no refund request open; a count."""
    days = days if days is not None else current_app.config.get("AUTO_COMPLETE_DAYS",
                                                                AUTO_COMPLETE_DAYS)
    cutoff = (now or utcnow()) - timedelta(days=days)
    pending = select(RefundRequest.id).where(
        RefundRequest.order_id == Order.id,
        RefundRequest.status.in_((RefundRequestStatus.OPEN, RefundRequestStatus.DISPUTED)))
    orders = db.session.scalars(
        select(Order).where(Order.status == S.DELIVERED, Order.delivered_at <= cutoff,
                            ~pending.exists()).order_by(Order.id)
    ).all()
    for order in orders:
        _move(order, S.COMPLETED, None, _("Completed automatically %(days)d days after delivery",
                                          days=days))
    return len(orders)


# --- money back -------------------------------------------------------------------------------

def _refund(actor: User | None, order: Order, amount: int, reason: str) -> Refund:
    """Give `amount` back (see `refunds.refund_order`) and tell the buyer how it comes."""
    refund = refund_order(actor, order, amount, reason)
    how = (_("to your card") if refund.provider_ref else
           _("by bank transfer from Pasar Mandiri staff"))
    buyer = order.buyer
    _notify(buyer, order, lambda: _("Refund for order %(ref)s", ref=order.reference),
            lambda: _("%(amount)s for order %(ref)s is being refunded %(how)s.",
                      amount=_money(amount, buyer), ref=order.reference, how=how))
    return refund


def _open_request(order: Order) -> RefundRequest | None:
    return db.session.scalar(select(RefundRequest).where(
        RefundRequest.order_id == order.id,
        RefundRequest.status.in_((RefundRequestStatus.OPEN, RefundRequestStatus.DISPUTED))))


def _check_refund_request_possible(order: Order) -> None:
    """:raises Conflict: not accepted yet or already complete, nothing paid, or one is open."""
    if order.status not in (S.PROCESSING, S.SHIPPED, S.DELIVERED):
        raise Conflict(_("A refund can be requested once the seller has accepted the order "
                         "and before it is complete. A new order can simply be cancelled."))
    if refundable(order) <= 0:
        raise Conflict(_("Nothing has been paid for this order yet, so there is nothing to "
                         "refund."))
    if _open_request(order) is not None:
        raise Conflict(_("A refund request for this order is already open."))


def can_request_refund(order: Order) -> bool:
    """Whether the buyer may ask for a refund now (the rule `request_refund` enforces)."""
    try:
        _check_refund_request_possible(order)
    except Conflict:
        return False
    return True


def request_refund(buyer: User, order: Order, reason: str, amount: int | None = None
                   ) -> RefundRequest:
    """The buyer asks for money back before the order is complete; the seller decides.

    :raises PermissionDenied: not this order's buyer.
    :raises ValidationError: no reason, or an amount outside 1..what was paid.
    :raises Conflict: nothing paid, the order is complete or cancelled, or a request is open.
    """
    if "buyer" not in actor_kinds(order, buyer):
        raise PermissionDenied()
    reason = clean_text(reason, 1000, "reason")
    lock(order)  # one open request per order, also when the form is sent twice
    _check_refund_request_possible(order)
    available = refundable(order)
    amount = available if amount is None else amount
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= available:
        raise ValidationError(_("Enter an amount from Rp1 to %(max)s.",
                                max=_money(available, buyer)), field="amount")
    request = RefundRequest(order_id=order.id, buyer_id=buyer.id, amount=amount, reason=reason)
    db.session.add(request)
    owner = order.store.owner
    _notify(owner, order, lambda: _("Refund requested for order %(ref)s", ref=order.reference),
            lambda: _("The buyer asks for %(amount)s back on order %(ref)s. Reason: %(reason)s. "
                      "Please accept or reject it on the order page.",
                      amount=_money(amount, owner), ref=order.reference, reason=reason))
    db.session.flush()
    return request


def decide_refund_request(actor: User, request: RefundRequest, accept: bool,
                          note: str | None = None) -> RefundRequest:
    """The seller (open request) or staff (disputed or open) accepts or rejects a refund.

    Accepting refunds the amount through the original method; a full refund of an order not
    yet shipped also cancels it, so its stock goes back.

    :raises PermissionDenied: not the seller, nor staff.
    :raises ValidationError: rejecting without a reason.
    :raises Conflict: already decided, or no longer refundable.
    """
    order = request.order
    kinds = actor_kinds(order, actor)
    as_staff = "staff" in kinds and ("vendor" not in kinds
                                     or request.status == RefundRequestStatus.DISPUTED)
    if as_staff:
        allowed = (RefundRequestStatus.OPEN, RefundRequestStatus.DISPUTED)
    elif "vendor" in kinds:
        allowed = (RefundRequestStatus.OPEN,)
    else:
        raise PermissionDenied()
    # Two decisions at once (two tabs, seller and staff): the second waits, then sees the first.
    lock(order)
    db.session.refresh(request)
    if request.status not in allowed:
        raise Conflict(_("This refund request was already decided."))
    note = clean_text(note, 1000, "note", required=not accept) or None
    before = request.status.value
    if accept:
        if request.amount > refundable(order):
            raise Conflict(_("Less than the requested amount is left to refund on this order."))
        if order.status == S.PROCESSING and request.amount == refundable(order):
            cancel_order(actor, order, note or request.reason)
        else:
            _refund(actor, order, request.amount, note or request.reason)
    request.status = RefundRequestStatus.ACCEPTED if accept else RefundRequestStatus.REJECTED
    if as_staff:
        request.staff_note = note
    else:
        request.vendor_note = note
    request.decided_by_id, request.decided_at = actor.id, utcnow()
    if as_staff:
        audit.record(actor, "refund_request.decide", request, {"status": before},
                     {"status": request.status.value, "note": note})
    if not accept:
        buyer = request.buyer
        _notify(buyer, order, lambda: _("Refund request for order %(ref)s was rejected",
                                        ref=order.reference),
                lambda: _("Reason: %(note)s. If you disagree, you can ask Pasar Mandiri staff "
                          "to decide on the order page.", note=note))
    db.session.flush()
    return request


def dispute_refund_request(buyer: User, request: RefundRequest, note: str) -> RefundRequest:
    """The buyer disagrees with the seller's rejection and asks staff to decide.

    :raises PermissionDenied: not the buyer who asked.
    :raises ValidationError: no explanation.
    :raises Conflict: the request was not rejected by the seller.
    """
    if not can(buyer, "order.buy", request):
        raise PermissionDenied()
    note = clean_text(note, 1000, "note")
    if request.status != RefundRequestStatus.REJECTED or request.staff_note is not None:
        raise Conflict(_("Only a refund request the seller rejected can be taken to staff."))
    request.status = RefundRequestStatus.DISPUTED
    request.dispute_note = note
    db.session.flush()
    return request


def refund_requests(order: Order) -> list[RefundRequest]:
    """The order's refund requests, oldest first."""
    return list(db.session.scalars(select(RefundRequest).where(
        RefundRequest.order_id == order.id).order_by(RefundRequest.id)))


def request_for_order(order: Order, request_id: int) -> RefundRequest:
    """A refund request of this order.

    :raises NotFound: not a request of this order.
    """
    request = db.session.get(RefundRequest, request_id)
    if request is None or request.order_id != order.id:
        raise NotFound()
    return request


def disputes(staff: User) -> list[RefundRequest]:
    """Refund requests waiting for staff, oldest first.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    return list(db.session.scalars(select(RefundRequest).where(
        RefundRequest.status == RefundRequestStatus.DISPUTED).order_by(RefundRequest.id)))


# --- the vendor's order desk ------------------------------------------------------------------

#: Order desk tabs: key -> (label, statuses shown). Delivered orders wait for the buyer under
#: "Dikirim" until they are confirmed or complete automatically.
TABS = {
    "new": (_l("New order"), (S.NEW,)),
    "processing": (_l("Processing"), (S.PROCESSING,)),
    "shipped": (_l("Shipped"), (S.SHIPPED, S.DELIVERED)),
    "completed": (_l("Completed"), (S.COMPLETED,)),
    "cancelled": (_l("Cancelled"), (S.CANCELLED,)),
    "unpaid": (_l("Awaiting payment"), (S.AWAITING_PAYMENT,)),
}


def tab_counts(store: Store) -> dict[str, int]:
    """How many of the store's orders each tab holds (one GROUP BY query)."""
    rows = dict(db.session.execute(
        select(Order.status, db.func.count()).where(Order.store_id == store.id)
        .group_by(Order.status)).all())
    return {key: sum(rows.get(s, 0) for s in statuses) for key, (_label, statuses) in TABS.items()}


def desk_query(store: Store, tab: str):
    """The store's orders in one tab: oldest first where work waits, newest first otherwise.

    :raises NotFound: unknown tab.
    """
    if tab not in TABS:
        raise NotFound()
    query = select(Order).where(Order.store_id == store.id, Order.status.in_(TABS[tab][1]))
    if tab in ("new", "processing", "shipped"):
        return query.order_by(Order.created_at, Order.id)
    return query.order_by(Order.created_at.desc(), Order.id.desc())



def orders_of_store(store, status: str | None, before_id: int | None, limit: int) -> list:
    """The store's orders, newest (highest id) first, optionally of one status, continuing
    below `before_id` (keyset pagination)."""
    statement = select(Order).where(Order.store_id == store.id)
    if status:
        statement = statement.where(Order.status == OrderStatus(status))
    if before_id is not None:
        statement = statement.where(Order.id < before_id)
    return list(db.session.scalars(statement.order_by(Order.id.desc()).limit(limit)))
