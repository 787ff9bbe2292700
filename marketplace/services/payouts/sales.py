"""Sales figures for a store's dashboard, its CSV exports and its signed monthly statement.

Everything is aggregated in SQL (GROUP BY on indexed columns): the database walks the rows, Python
only sees one row per day, week, month or product. Calendar days are Asia/Jakarta days
(UTC+7 all year: Indonesia has no daylight saving time). The dashboard's order figures are
kept per store until an order (or product) of that store changes (`marketplace.versions`).
"""

import base64
import csv
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import Signer
from itsdangerous.signer import HMACAlgorithm
from sqlalchemy import and_, case, func, inspect, literal, select, union_all

from marketplace import versions
from marketplace.clock import JAKARTA, as_utc, to_jakarta, utcnow
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    LedgerEntry,
    LedgerKind,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProductStatus,
    Store,
    User,
    Variant,
)
from marketplace.permissions import can
from marketplace.validation import db_int, is_sane_date

PERIODS = (7, 30, 90, 365)
GRAINS = ("day", "week", "month")
DEFAULT_GRAIN = {7: "day", 30: "day", 90: "week", 365: "month"}
#: Orders that count as sales: placed and payable (COD) or paid, and not cancelled.
COUNTED = (OrderStatus.NEW, OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED,
           OrderStatus.COMPLETED)
LOW_STOCK = 5
_REVENUE = Order.total - Order.refunded_amount


@dataclass(frozen=True)
class Figures:
    revenue: int = 0
    orders: int = 0
    units: int = 0

    @property
    def aov(self) -> int:
        """Average order value in whole rupiah."""
        return self.revenue // self.orders if self.orders else 0


@dataclass(frozen=True)
class Bucket:
    key: str
    start: date
    revenue: int = 0
    orders: int = 0
    units: int = 0


@dataclass
class Dashboard:
    period: int
    grain: str
    start: datetime
    end: datetime
    current: Figures
    previous: Figures
    series: list[Bucket]
    top_products: list = field(default_factory=list)
    buyers: int = 0
    repeat_buyers: int = 0
    low_stock: list = field(default_factory=list)

    def change(self, name: str) -> int | None:
        """Percent change from the previous period (None when it had nothing)."""
        before = getattr(self.previous, name)
        now = getattr(self.current, name)
        return None if not before else (now - before) * 100 // before


def jakarta_midnight(day: date) -> datetime:
    """The UTC instant a Jakarta calendar day starts."""
    return as_utc(datetime.combine(day, time(), tzinfo=JAKARTA))


def period_bounds(period: int, now: datetime | None = None) -> tuple[datetime, datetime, datetime]:
    """(previous start, start, end): the last `period` Jakarta days including today.

    :raises ValidationError: a period not offered.
    """
    if period not in PERIODS:
        raise ValidationError(_("Choose a period from the list."), field="period")
    now = now or utcnow()
    start = jakarta_midnight(to_jakarta(now).date() - timedelta(days=period - 1))
    return start - timedelta(days=period), start, now


def _bucket_starts(grain: str, first: date, last: date) -> list[date]:
    if grain == "week":
        first -= timedelta(days=first.weekday())
    elif grain == "month":
        first = first.replace(day=1)
    starts = []
    while first <= last:
        starts.append(first)
        if grain == "day":
            first += timedelta(days=1)
        elif grain == "week":
            first += timedelta(days=7)
        else:
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return starts


def _in_range(store: Store, start: datetime, end: datetime):
    return and_(Order.store_id == store.id, Order.created_at >= start, Order.created_at < end)


def _in_store(store: Store, start: datetime, end: datetime):
    return and_(Order.store_id == store.id, Order.created_at >= start, Order.created_at < end,
                Order.status.in_(COUNTED))


def _summarise(store: Store, previous_start: datetime, start: datetime, end: datetime,
               grain: str) -> tuple[Figures, Figures, list[Bucket]]:
    """Both periods in one statement: a sum over each bucket's range of created_at.

    Each part is a range of the covering index (store_id, created_at, status, total,
    refunded_amount, units, buyer_id), and the bucket bounds are computed here, so the
    database converts no timestamps (a date function on every row cost more than the sums).
    Status is tested inside the sums, not in WHERE, for the same index.
    """
    if grain not in GRAINS:
        raise ValidationError(_("Choose day, week or month."), field="by")
    days = _bucket_starts(grain, to_jakarta(start).date(), to_jakarta(end).date())
    # The first bucket may begin before the period (a week or month under way): count from
    # the period's start, as the previous period ends there.
    bounds = [start, *(jakarta_midnight(day) for day in days[1:]), end]
    ranges = [(previous_start, start), *zip(bounds, bounds[1:], strict=False)]
    counted = Order.status.in_(COUNTED)
    parts = [
        select(literal(number).label("bucket"), func.sum(case((counted, _REVENUE), else_=0)),
               func.sum(case((counted, 1), else_=0)),
               func.sum(case((counted, Order.units), else_=0)))
        .where(_in_range(store, low, high))
        for number, (low, high) in enumerate(ranges)]
    rows = {number: (int(r or 0), int(n or 0), int(u or 0))
            for number, r, n, u in db.session.execute(union_all(*parts)).all()}
    buckets = [Bucket(day.isoformat(), day, *rows.get(number + 1, (0, 0, 0)))
               for number, day in enumerate(days)]
    current = Figures(sum(b.revenue for b in buckets), sum(b.orders for b in buckets),
                      sum(b.units for b in buckets))
    return current, Figures(*rows.get(0, (0, 0, 0))), buckets


def top_products(store: Store, start: datetime, end: datetime, limit: int = 5) -> list:
    """Best sellers by revenue in the range: (product id, title, units, revenue)."""
    revenue = func.sum(OrderLine.line_total).label("revenue")
    rows = db.session.execute(
        select(OrderLine.product_id, func.sum(OrderLine.quantity).label("units"), revenue)
        .join(Order, Order.id == OrderLine.order_id)
        .where(_in_store(store, start, end))
        .group_by(OrderLine.product_id).order_by(revenue.desc(), OrderLine.product_id)
        .limit(limit)).all()
    ids = [row[0] for row in rows if row[0] is not None]
    titles = dict(db.session.execute(
        select(Product.id, Product.title).where(Product.id.in_(ids))).all()) if ids else {}
    return [(pid, titles.get(pid, _("(product removed)")), int(units), int(total))
            for pid, units, total in rows]


def buyer_counts(store: Store, start: datetime, end: datetime) -> tuple[int, int]:
    """(buyers, repeat buyers): distinct buyers in the range, and those with 2+ orders in it."""
    counted = case((Order.status.in_(COUNTED), 1), else_=0)
    per_buyer = (select(Order.buyer_id, func.sum(counted).label("n"))
                 .where(_in_range(store, start, end)).group_by(Order.buyer_id).subquery())
    row = db.session.execute(select(
        func.coalesce(func.sum(case((per_buyer.c.n >= 1, 1), else_=0)), 0),
        func.coalesce(func.sum(case((per_buyer.c.n >= 2, 1), else_=0)), 0),
    ).select_from(per_buyer)).one()
    return int(row[0]), int(row[1])


def low_stock(store: Store, threshold: int = LOW_STOCK, limit: int = 10) -> list:
    """Variants on sale with few units left (0 = stok habis), emptiest first."""
    return db.session.execute(
        select(Product.id, Product.title, Variant.sku, Variant.option1, Variant.option2,
               Variant.stock)
        .join(Product, Product.id == Variant.product_id)
        .where(Variant.store_id == store.id, Variant.active.is_(True),
               Variant.stock <= threshold, Product.status == ProductStatus.ACTIVE)
        .order_by(Variant.stock, Product.title).limit(limit)).all()


def _require_owner(user: User, store: Store) -> None:
    if not can(user, "store.manage", store):
        raise PermissionDenied()


def _sales_changes(thing) -> tuple[str, ...]:
    """Which stores' sales figures a change ends (all of them when the store is not known:
    a bulk statement, or a line changed on its own)."""
    if isinstance(thing, Order | Product):
        store_id = inspect(thing).dict.get("store_id")
        return (f"sales:{store_id}",) if store_id is not None else ("sales",)
    if thing in (Order, OrderLine, Product) or isinstance(thing, OrderLine):
        return ("sales",)
    return ()


versions.watch(_sales_changes)


def _order_figures(store: Store, period: int, grain: str, previous_start: datetime,
                   start: datetime, end: datetime, live: bool) -> tuple:
    """(current, previous, buckets, top products, buyers, repeat buyers) of the period.

    When `live` (the period ends now), kept until the store's orders change: a new order, a
    status change or a refund starts a new version of its sales.
    """
    def compute() -> tuple:
        return (*_summarise(store, previous_start, start, end, grain),
                top_products(store, start, end), *buyer_counts(store, start, end))

    if not live:
        return compute()
    return versions.cached(f"sales:{store.id}:{period}:{grain}:{start:%Y%m%d}", compute,
                           of=("sales", f"sales:{store.id}"))


def dashboard(user: User, store: Store, period: int = 30, grain: str | None = None,
              now: datetime | None = None) -> Dashboard:
    """Everything on the sales dashboard for one period.

    :raises PermissionDenied: not the store's owner.
    :raises ValidationError: a period or grain not offered.
    """
    _require_owner(user, store)
    previous_start, start, end = period_bounds(period, now)
    grain = grain or DEFAULT_GRAIN[period]
    if grain not in GRAINS:
        raise ValidationError(_("Choose day, week or month."), field="by")
    current, previous, buckets, top, buyers, repeat = _order_figures(
        store, period, grain, previous_start, start, end, live=now is None)
    return Dashboard(period=period, grain=grain, start=start, end=end, current=current,
                     previous=previous, series=buckets, top_products=top, buyers=buyers,
                     repeat_buyers=repeat, low_stock=low_stock(store))


# --- CSV exports ------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value):
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote.
    Shared by the CSV exports (orders, ministry exports, the bank list, programme people);
    None is written as an empty cell."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(header: list[str], rows) -> Iterator[str]:
    """A CSV file as lines to stream: byte-order mark, header, formula-safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # so spreadsheet programs read the names as UTF-8
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def orders_csv(user: User, store: Store, period: int, now: datetime | None = None
               ) -> Iterator[str]:
    """The store's orders in the period (every status), one CSV line at a time.

    :raises PermissionDenied: not the store's owner.
    """
    _require_owner(user, store)
    _prev, start, end = period_bounds(period, now)
    rows = db.session.execute(
        select(Order.reference, Order.created_at, Order.status, Order.payment_method,
               Order.payment_status, User.name, Order.subtotal, Order.shipping_fee,
               Order.total, Order.refunded_amount, Order.courier, Order.tracking_number)
        .join(User, User.id == Order.buyer_id)
        .where(Order.store_id == store.id, Order.created_at >= start, Order.created_at < end)
        .order_by(Order.created_at, Order.id).execution_options(yield_per=500))
    header = [_("Order"), _("Date (WIB)"), _("Status"), _("Payment method"),
              _("Payment status"), _("Buyer"), _("Subtotal"), _("Shipping (ongkir)"),
              _("Total"), _("Refunded"), _("Courier"), _("Tracking number (resi)")]
    return csv_lines(header, (
        (r[0], to_jakarta(r[1]).strftime("%Y-%m-%d %H:%M"), r[2].value, r[3].value, r[4].value,
         r[5], r[6], r[7], r[8], r[9], r[10] or "", r[11] or "") for r in rows))


def products_csv(user: User, store: Store, period: int, now: datetime | None = None
                 ) -> Iterator[str]:
    """Sales by product in the period: units and revenue, best sellers first.

    :raises PermissionDenied: not the store's owner.
    """
    _require_owner(user, store)
    _prev, start, end = period_bounds(period, now)
    rows = top_products(store, start, end, limit=100_000)
    return csv_lines([_("Product"), _("Units"), _("Revenue")],
                     ((title, int(units), int(revenue)) for _id, title, units, revenue in rows))


# --- monthly statement ------------------------------------------------------------------------

@dataclass(frozen=True)
class Statement:
    store: Store
    month: date
    orders: int
    sales: int
    fees: int
    refunds: int
    payouts: int
    opening: int
    closing: int
    provisional: bool

    @property
    def net(self) -> int:
        return self.sales + self.fees + self.refunds

    @property
    def code(self) -> str:
        return statement_code(self)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return jakarta_midnight(month), jakarta_midnight(following)


def parse_month(text: str) -> date:
    """'2026-10' -> 1 October 2026.

    :raises NotFound: not a month.
    """
    try:
        month = datetime.strptime(text or "", "%Y-%m").date()
    except ValueError as exc:
        raise NotFound() from exc
    if not is_sane_date(month):
        raise NotFound()
    return month


def build_statement(store: Store, month: date, now: datetime | None = None) -> Statement:
    """The month's ledger for the store: opening balance, sales, fees, refunds, payouts, closing.

    Built from ledger entries, which are never changed: a closed month's statement stays the same.
    """
    start, end = _month_bounds(month)
    rows = {kind: (int(total), int(count)) for kind, total, count in db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount), func.count())
        .where(LedgerEntry.store_id == store.id, LedgerEntry.created_at >= start,
               LedgerEntry.created_at < end).group_by(LedgerEntry.kind)).all()}
    opening = int(db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.store_id == store.id, LedgerEntry.created_at < start)))
    totals = {kind: rows.get(kind, (0, 0))[0] for kind in LedgerKind}
    return Statement(store=store, month=month, orders=rows.get(LedgerKind.SALE, (0, 0))[1],
                     sales=totals[LedgerKind.SALE], fees=totals[LedgerKind.FEE],
                     refunds=totals[LedgerKind.REFUND], payouts=totals[LedgerKind.PAYOUT],
                     opening=opening, closing=opening + sum(totals.values()),
                     provisional=(now or utcnow()) < end)


def statement_for(user: User, store: Store, month_text: str, now: datetime | None = None
                  ) -> Statement:
    """The owner's statement of one month (not a future one).

    :raises PermissionDenied: not the store's owner.
    :raises NotFound: not a month, or a month that has not begun.
    """
    _require_owner(user, store)
    month = parse_month(month_text)
    if jakarta_midnight(month) > (now or utcnow()):
        raise NotFound()
    return build_statement(store, month, now)


def statement_months(store: Store, now: datetime | None = None) -> list[date]:
    """Months from the store's opening to now, newest first."""
    last = to_jakarta(now or utcnow()).date().replace(day=1)
    month = to_jakarta(store.created_at).date().replace(day=1)
    months = []
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months[::-1]


def _signature(statement: Statement) -> str:
    payload = ":".join(str(v) for v in (
        statement.store.id, statement.month.strftime("%Y-%m"), statement.orders,
        statement.sales, statement.fees, statement.refunds, statement.payouts,
        statement.opening))
    signer = Signer(current_app.config["SECRET_KEY"], salt="sales-statement",
                    digest_method=hashlib.sha256)
    raw = HMACAlgorithm(hashlib.sha256).get_signature(signer.derive_key(), payload.encode())
    return base64.b32encode(raw).decode()[:16]  # 80 bits, letters and digits 2-7 only


def statement_code(statement: Statement) -> str:
    """PMS-<store>-<yyyymm>-XXXX-XXXX-XXXX-XXXX: an HMAC of the statement's figures."""
    sig = _signature(statement)
    return (f"PMS-{statement.store.id}-{statement.month:%Y%m}-"
            f"{sig[:4]}-{sig[4:8]}-{sig[8:12]}-{sig[12:]}")


def verify_statement(code: str) -> Statement:
    """The statement a code was issued for, if the code is genuine and the figures unchanged.

    :raises NotFound: malformed, unknown or altered code (one message for all, on purpose).
    """
    parts = "".join((code or "").split()).upper().split("-")
    store_id = db_int(parts[1]) if len(parts) == 7 and parts[0] == "PMS" else None
    if store_id is None:
        raise NotFound(_("This verification code is not valid."))
    store = db.session.get(Store, store_id)
    try:
        month = datetime.strptime(parts[2], "%Y%m").date()
    except ValueError:
        month = None
    if store is None or month is None or not is_sane_date(month):
        raise NotFound(_("This verification code is not valid."))
    statement = build_statement(store, month)
    if not hmac.compare_digest("".join(parts[3:]), _signature(statement)):
        raise NotFound(_("This verification code is not valid."))
    return statement
