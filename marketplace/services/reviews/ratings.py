"""Reviews: a buyer rates each purchased line once after delivery; the seller replies once.

The product's rating_sum/rating_count are kept in step in SQL (visible reviews only) by a flush
hook, also when staff moderation hides or shows a review, so the product page shows the average
without reading the reviews.
"""

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, event, func, inspect, select, update
from sqlalchemy.orm import Session, joinedload

from marketplace.clock import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    Review,
    Store,
    User,
)
from marketplace.permissions import can
from marketplace.services.orders import orderflow
from marketplace.validation import clean_text

REVIEWABLE = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        rating = 0
    if isinstance(value, bool) or not 1 <= rating <= 5:
        raise ValidationError(_("Choose from 1 to 5 stars."), field="rating")
    return rating


def _bump(connection, product_id: int, rating_delta: int, count_delta: int) -> None:
    connection.execute(
        update(Product).where(Product.id == product_id)
        .values(rating_sum=Product.rating_sum + rating_delta,
                rating_count=Product.rating_count + count_delta))


@event.listens_for(Session, "before_flush")
def _keep_ratings_in_step(session: Session, _context, _instances) -> None:
    """Visible reviews count in the product's rating, whichever service adds, hides or shows."""
    changes: list[tuple[int, int, int]] = []
    for obj in session.new:
        if isinstance(obj, Review) and not obj.hidden:
            changes.append((obj.product_id, obj.rating, 1))
    for obj in session.dirty:
        if isinstance(obj, Review):
            history = inspect(obj).attrs.hidden.history
            if history.has_changes() and history.deleted and bool(history.deleted[0]) != obj.hidden:
                sign = -1 if obj.hidden else 1
                changes.append((obj.product_id, sign * obj.rating, sign))
    for obj in session.deleted:
        if isinstance(obj, Review) and not obj.hidden:
            changes.append((obj.product_id, -obj.rating, -1))
    if not changes:
        return
    connection = session.connection()  # no autoflush: we are inside one
    for product_id, rating_delta, count_delta in changes:
        _bump(connection, product_id, rating_delta, count_delta)
        product = session.identity_map.get(session.identity_key(Product, product_id))
        if product is not None and product not in session.dirty:
            session.expire(product, ["rating_sum", "rating_count"])


def line_for_buyer(buyer: User, line_id: int) -> OrderLine:
    """One of the buyer's purchased lines.

    :raises NotFound: not a line of the buyer's orders.
    """
    line = db.session.scalar(select(OrderLine).join(Order).where(
        OrderLine.id == line_id, Order.buyer_id == buyer.id))
    if line is None:
        raise NotFound()
    return line


def can_review(line: OrderLine) -> bool:
    """Delivered, the product still exists, and not reviewed yet."""
    return (line.order.status in REVIEWABLE and line.product_id is not None
            and db.session.scalar(select(Review.id).where(Review.order_line_id == line.id))
            is None)


def create_review(buyer: User, line: OrderLine, rating, text: str | None = None,
                  photo: bytes | None = None) -> Review:
    """Rate a product the buyer received: 1-5 stars, optional text and photo; once per line.

    :raises PermissionDenied: the line is not from the buyer's order (product not bought).
    :raises Conflict: not delivered yet, or this line was already reviewed.
    :raises ValidationError: rating outside 1-5, text too long, or a bad photo.
    """
    if not can(buyer, "order.buy", line.order):
        raise PermissionDenied(_("You can only review products you bought."))
    orderflow.lock(line.order)  # two submits of one review at once: the second sees the first
    if line.order.status not in REVIEWABLE:
        raise Conflict(_("You can review this product once the order has been delivered."))
    if line.product_id is None:
        raise Conflict(_("This product is no longer sold, so it cannot be reviewed."))
    if db.session.scalar(select(Review.id).where(Review.order_line_id == line.id)) is not None:
        raise Conflict(_("You already reviewed this product for this order."))
    errors = {}
    try:
        rating = _rating(rating)
    except ValidationError as exc:
        errors["rating"] = exc.message
    try:
        text = clean_text(text, 2000, "text", required=False)
    except ValidationError as exc:
        errors["text"] = exc.message
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    image = None
    if photo:
        from marketplace.images import accept_upload

        image = accept_upload(photo, field="photo")
    review = Review(buyer_id=buyer.id, product_id=line.product_id, order_line_id=line.id,
                    rating=rating, text=text, image=image)
    db.session.add(review)
    db.session.flush()  # the product's rating follows in the same flush
    return review


def store_reviews_query(store: Store, unanswered: bool = False):
    """Reviews of the store's products, newest first (a query to paginate); `unanswered`
    keeps those the seller has not replied to yet."""
    query = (select(Review).join(Product, Product.id == Review.product_id)
             .where(Product.store_id == store.id)
             .order_by(Review.created_at.desc(), Review.id.desc()))
    return query.where(Review.reply.is_(None)) if unanswered else query


def review_for_store(store: Store, review_id: int) -> Review:
    """A review of one of the store's products.

    :raises NotFound: not a review of this store.
    """
    review = db.session.scalar(store_reviews_query(store).where(Review.id == review_id))
    if review is None:
        raise NotFound()
    return review


def reply_to_review(vendor: User, review: Review, text: str) -> Review:
    """The seller answers a review, once.

    :raises PermissionDenied: not the product's seller.
    :raises Conflict: already answered.
    :raises ValidationError: empty or too long.
    """
    if not can(vendor, "store.manage", review.product.store):
        raise PermissionDenied()
    if review.reply is not None:
        raise Conflict(_("You already replied to this review."))
    review.reply = clean_text(text, 1000, "reply")
    review.replied_at = utcnow()
    db.session.flush()
    return review


#: Orders of the reviews shown to buyers: newest first, or the most helpful first (with a
#: photo, then with a written text, longest first; the newest among equals).
REVIEW_SORTS = ("newest", "helpful")
REVIEWS_PER_PAGE = 5


@dataclass
class ReviewPage:
    """One page of visible reviews, for the product or store page."""

    items: list[Review]
    page: int
    sort: str
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def review_page(product_id: int | None = None, store_id: int | None = None, page: int = 1,
                sort: str = "newest", per_page: int = REVIEWS_PER_PAGE) -> ReviewPage:
    """Visible reviews of a product, or of every public product of a store, in one query
    (buyer, photo and product come with it). An unknown sort or page reads as the first."""
    sort = sort if sort in REVIEW_SORTS else "newest"
    page = page if isinstance(page, int) and 0 < page < 10_000 else 1
    by_store = product_id is None
    rows = list(db.session.scalars(_review_page_statement(by_store, sort), {
        "subject": store_id if by_store else product_id,
        "offset": (page - 1) * per_page, "limit": per_page + 1}))
    return ReviewPage(items=rows[:per_page], page=page, sort=sort,
                      has_next=len(rows) > per_page)


@cache
def _review_page_statement(by_store: bool, sort: str) -> Select:
    """review_page's query for a store's or a product's reviews in one order, built once and
    bound by :subject, :offset and :limit (building it anew cost more than running it)."""
    stmt = (select(Review)
            .options(joinedload(Review.buyer), joinedload(Review.image),
                     joinedload(Review.product))
            .where(Review.hidden.is_(False)))
    if by_store:
        stmt = stmt.join(Review.product).where(Product.store_id == bindparam("subject"),
                                               Product.status == ProductStatus.ACTIVE,
                                               Product.hidden.is_(False))
    else:
        stmt = stmt.where(Review.product_id == bindparam("subject"))
    if sort == "helpful":
        stmt = stmt.order_by(Review.image_id.is_(None), func.length(Review.text).desc())
    return (stmt.order_by(Review.created_at.desc(), Review.id.desc())
            .offset(bindparam("offset")).limit(bindparam("limit")))


def reviews_by_line(order: Order) -> dict[int, Review]:
    """The buyer's reviews of this order's lines, by line id."""
    return {r.order_line_id: r for r in db.session.scalars(
        select(Review).where(Review.order_line_id.in_([line.id for line in order.lines])))}
