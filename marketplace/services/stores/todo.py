"""The vendor's to-do page: what waits for the seller today, gathered from the existing services."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.clock import utcnow
from marketplace.errors import PermissionDenied
from marketplace.extensions import db
from marketplace.models import Order, RefundRequest, RefundRequestStatus, Review, Store, User
from marketplace.permissions import can
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger, sales
from marketplace.services.reviews import ratings
from marketplace.services.stores import verification

#: How many orders, products or reviews each line lists by name before "see all".
SHOWN = 5


@dataclass
class Todo:
    """One store's work queue; every list is short and each line links to its full list."""

    counts: dict[str, int]
    to_accept: list = field(default_factory=list)  # (order, respond-by deadline)
    to_ship: list = field(default_factory=list)  # (order, ship-by deadline)
    refund_requests: list[RefundRequest] = field(default_factory=list)
    low_stock: list = field(default_factory=list)
    unanswered_reviews: int = 0
    permits: list = field(default_factory=list)
    balance: int = 0
    week: sales.Dashboard | None = None
    now: datetime | None = None

    @property
    def nothing_waits(self) -> bool:
        return not (self.counts["new"] or self.counts["processing"] or self.refund_requests
                    or self.low_stock or self.unanswered_reviews or self.permits)


def vendor_todo(actor: User, store: Store, now: datetime | None = None) -> Todo:
    """Orders to accept and ship (with deadlines), orders waiting for the buyer, open refund
    requests, low stock, unanswered reviews, expiring permits, the balance, and this week's
    sales beside last week's.

    :raises PermissionDenied: not the store's owner.
    """
    if not can(actor, "store.manage", store):
        raise PermissionDenied()
    now = now or utcnow()

    def first(tab: str, deadline) -> list:
        orders = db.session.scalars(fulfilment.desk_query(store, tab).limit(SHOWN))
        return [(order, deadline(order)) for order in orders]

    open_requests = list(db.session.scalars(
        select(RefundRequest).join(Order, Order.id == RefundRequest.order_id)
        .options(joinedload(RefundRequest.order))
        .where(Order.store_id == store.id, RefundRequest.status == RefundRequestStatus.OPEN)
        .order_by(RefundRequest.id)))
    unanswered = db.session.scalar(
        ratings.store_reviews_query(store, unanswered=True)
        .with_only_columns(db.func.count(Review.id)).order_by(None))
    return Todo(
        counts=fulfilment.tab_counts(store),
        to_accept=first("new", fulfilment.respond_by),
        to_ship=first("processing", fulfilment.ship_by),
        refund_requests=open_requests,
        low_stock=sales.low_stock(store, limit=SHOWN),
        unanswered_reviews=unanswered or 0,
        permits=verification.permit_alerts(store, limit=SHOWN),
        balance=ledger.balance(store),
        week=sales.dashboard(actor, store, period=7, now=now),
        now=now,
    )
