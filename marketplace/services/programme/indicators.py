"""The programme dashboard: store, sales and graduation figures, aggregated in SQL.

Order figures come from a materialised monthly summary (`refresh_summaries`, run by
`flask programme refresh` or the dashboard's refresh button), so the dashboard reads a few
thousand summary rows instead of every order. Months are calendar months in Asia/Jakarta.
After the first build a refresh is incremental: only the store-months whose orders or ledger
entries changed since the last refresh are recomputed, then their stores' streaks, and their
provinces' and months' roll-ups.

Definitions: an order counts when it was placed and is neither cancelled nor left unpaid
(GMV = those orders' totals, by the month they were placed). Net sales are a store's ledger
sales minus platform fees and refunds, by the month the money moved. A store graduates when
its net sales reach the income line (UMP/UMK or poverty line, regency line before province
line, the line in force on the month's first day) in N consecutive calendar months.
"""

import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, delete, func, insert, literal, or_, select, text

from marketplace import tasks
from marketplace.clock import JAKARTA, as_utc, to_jakarta, utcnow
from marketplace.database import write_intent
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    BackgroundTask,
    Category,
    IncomeThreshold,
    LedgerEntry,
    MonthlyCategorySales,
    MonthlyProvinceSales,
    MonthlyStoreSales,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ProgrammeBuyers,
    Store,
    StoreStatus,
    SummaryRefresh,
    User,
)
from marketplace.permissions import require
from marketplace.regions import PROVINCES, check_province
from marketplace.services.programme import outbound
from marketplace.services.staff import audit
from marketplace.validation import clean_text

THRESHOLD_KINDS = ("ump", "umk", "poverty_line")
DEFAULT_KIND = "ump"
DEFAULT_MONTHS = 3
MAX_MONTHS_REQUIRED = 24
#: Months shown in the dashboard's over-time tables.
DASHBOARD_MONTHS = 12


def month_index(day: date) -> int:
    """Months since January 2000 (the summary's month arithmetic)."""
    return (day.year - 2000) * 12 + day.month - 1


def month_of_index(index: int) -> date:
    return date(2000 + index // 12, index % 12 + 1, 1)


def current_month() -> date:
    return to_jakarta(utcnow()).date().replace(day=1)


def _month_sql(column: str) -> tuple[str, str]:
    """SQL for (first day of the Jakarta month, month index) of a UTC timestamp column."""
    if db.session.get_bind().dialect.name == "postgresql":
        local = f"({column} AT TIME ZONE 'Asia/Jakarta')"
        return (f"CAST(date_trunc('month', {local}) AS date)",
                f"CAST((EXTRACT(YEAR FROM {local}) - 2000) * 12 "
                f"+ EXTRACT(MONTH FROM {local}) - 1 AS integer)")
    return (f"date({column}, '+7 hours', 'start of month')",
            f"(CAST(strftime('%Y', {column}, '+7 hours') AS integer) - 2000) * 12 "
            f"+ CAST(strftime('%m', {column}, '+7 hours') AS integer) - 1")


_COUNTED = "o.status NOT IN ('cancelled', 'awaiting_payment')"
_TMP = "tmp_counted_orders"

#: Steps one refresh takes (for progress bars).
REFRESH_STEPS = 7


#: A change this long before the last refresh ended is looked at again: a long refresh may not
#: have seen a transaction that committed while it ran.
REFRESH_OVERLAP = timedelta(minutes=15)


def refresh_summaries(actor: User | None = None, on_step=None,
                      full: bool = False) -> SummaryRefresh:
    """Bring the monthly summaries up to date with orders, order lines and the ledger.

    The first refresh (or `full`) rebuilds everything; later ones recompute only what changed
    since the previous refresh (see `_refresh_changed`). Runs in the caller's transaction:
    readers see the old figures until it commits.

    :raises PermissionDenied: an actor who is not staff.
    """
    if actor is not None:
        require(actor, "staff.work")
    started = time.perf_counter()

    def step() -> None:
        if on_step is not None:
            on_step()

    previous = None if full else last_refresh()
    if previous is None:
        rows = _rebuild_all(step)
    else:
        since = (as_utc(previous.created_at) - timedelta(milliseconds=previous.duration_ms)
                 - REFRESH_OVERLAP)
        rows = _refresh_changed(since, step)
    _announce_graduations()
    refresh = SummaryRefresh(actor_id=getattr(actor, "id", None), rows=rows,
                             duration_ms=int((time.perf_counter() - started) * 1000))
    db.session.add(refresh)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "programme.refresh", refresh, None, {"rows": rows})
    return refresh


def _rebuild_all(step) -> int:
    """Every summary from scratch: one SQL pass over the counted orders (a temporary table);
    the graduation streaks are then added per store and month."""
    for model in (MonthlyStoreSales, MonthlyProvinceSales, MonthlyCategorySales,
                  ProgrammeBuyers):
        db.session.execute(delete(model))
    order_month, order_index = _month_sql("o.created_at")
    ledger_month, ledger_index = _month_sql("l.created_at")
    execute = db.session.execute
    execute(text(f"DROP TABLE IF EXISTS {_TMP}"))
    execute(text(
        f"CREATE TEMPORARY TABLE {_TMP} AS SELECT o.id AS order_id, o.store_id, o.buyer_id, "  # noqa: S608
        f"s.province_code, {order_month} AS month, {order_index} AS month_index, o.total "
        f"FROM orders o JOIN stores s ON s.id = o.store_id WHERE {_COUNTED}"))
    step()
    store_months = execute(text(f"""
        SELECT u.store_id, u.month, MIN(u.month_index), s.province_code, SUM(u.orders),
               SUM(u.gmv), SUM(u.buyers), SUM(u.net)
        FROM (
          SELECT t.store_id, t.month, t.month_index, COUNT(*) AS orders, SUM(t.total) AS gmv,
                 COUNT(DISTINCT t.buyer_id) AS buyers, 0 AS net
          FROM {_TMP} t GROUP BY t.store_id, t.month, t.month_index
          UNION ALL
          SELECT l.store_id, {ledger_month}, {ledger_index}, 0, 0, 0, SUM(l.amount)
          FROM ledger_entries l WHERE l.kind IN ('sale', 'fee', 'refund') GROUP BY 1, 2, 3
        ) u JOIN stores s ON s.id = u.store_id
        GROUP BY u.store_id, u.month, s.province_code""")).all()  # noqa: S608 (fixed SQL)
    step()
    rows = _write_store_months([
        {"store_id": r[0], "month": _as_date(r[1]), "month_index": int(r[2]),
         "province_code": r[3], "orders": int(r[4]), "gmv": int(r[5]), "buyers": int(r[6]),
         "net_sales": int(r[7])} for r in store_months])
    step()
    statements = [
        f"""INSERT INTO monthly_category_sales (month, province_code, category_id, units, gmv)
            SELECT t.month, t.province_code, COALESCE(c.parent_id, c.id), SUM(ol.quantity),
                   SUM(ol.line_total)
            FROM {_TMP} t JOIN order_lines ol ON ol.order_id = t.order_id
            JOIN products p ON p.id = ol.product_id JOIN categories c ON c.id = p.category_id
            GROUP BY t.month, t.province_code, COALESCE(c.parent_id, c.id)""",  # noqa: S608
        f"""INSERT INTO programme_buyers (province_code, month, buyers)
            SELECT province_code, month, COUNT(DISTINCT buyer_id) FROM {_TMP}
            GROUP BY province_code, month
            UNION ALL SELECT province_code, NULL, COUNT(DISTINCT buyer_id) FROM {_TMP}
            GROUP BY province_code
            UNION ALL SELECT NULL, month, COUNT(DISTINCT buyer_id) FROM {_TMP} GROUP BY month
            UNION ALL SELECT NULL, NULL, COUNT(DISTINCT buyer_id) FROM {_TMP}""",  # noqa: S608
    ]
    for statement in statements:
        rows += db.session.execute(text(statement)).rowcount or 0
        step()
    rows += _rollup_provinces()
    step()
    execute(text(f"DROP TABLE {_TMP}"))
    step()
    return rows


# --- incremental refresh --------------------------------------------------------------------

_NOT_COUNTED = (OrderStatus.CANCELLED, OrderStatus.AWAITING_PAYMENT)
_NET_KINDS = ("sale", "fee", "refund")
_CHUNK = 500


def _month_bounds(index: int) -> tuple[datetime, datetime]:
    """The UTC instants a Jakarta month (by index) starts and ends."""
    return _utc_month_start(index), _utc_month_start(index + 1)


def _jakarta_month(value: datetime) -> int:
    return month_index(to_jakarta(value).date())


def _chunks(values) -> list[list]:
    values = sorted(values)
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _changed_store_months(since: datetime) -> dict[int, set[int]]:
    """Store -> month indexes whose figures may differ from the summary.

    An order changes what it counts for when it is placed, paid or cancelled (each stamps
    its time); net sales change when a ledger entry is written (entries are never changed).
    """
    changed: dict[int, set[int]] = defaultdict(set)
    for store_id, created_at in db.session.execute(
            select(Order.store_id, Order.created_at).where(or_(
                Order.created_at >= since, Order.paid_at >= since,
                Order.cancelled_at >= since))):
        changed[store_id].add(_jakarta_month(created_at))
    for store_id, created_at in db.session.execute(
            select(LedgerEntry.store_id, LedgerEntry.created_at).where(
                LedgerEntry.created_at >= since, LedgerEntry.kind.in_(_NET_KINDS))):
        changed[store_id].add(_jakarta_month(created_at))
    return changed


def _store_month_figures(changed: dict[int, set[int]]) -> dict[tuple[int, int], dict]:
    """Fresh figures of the changed store-months, from orders and the ledger."""
    first = _utc_month_start(min(min(months) for months in changed.values()))
    figures: dict[tuple[int, int], dict] = {}

    def row(store_id: int, index: int) -> dict | None:
        if index not in changed[store_id]:
            return None
        return figures.setdefault((store_id, index), {
            "orders": 0, "gmv": 0, "buyers": set(), "net_sales": 0})

    for stores in _chunks(changed):
        for store_id, created_at, buyer_id, total in db.session.execute(
                select(Order.store_id, Order.created_at, Order.buyer_id, Order.total).where(
                    Order.store_id.in_(stores), Order.created_at >= first,
                    Order.status.not_in(_NOT_COUNTED))):
            if (item := row(store_id, _jakarta_month(created_at))) is not None:
                item["orders"] += 1
                item["gmv"] += total
                item["buyers"].add(buyer_id)
        for store_id, created_at, amount in db.session.execute(
                select(LedgerEntry.store_id, LedgerEntry.created_at, LedgerEntry.amount).where(
                    LedgerEntry.store_id.in_(stores), LedgerEntry.created_at >= first,
                    LedgerEntry.kind.in_(_NET_KINDS))):
            if (item := row(store_id, _jakarta_month(created_at))) is not None:
                item["net_sales"] += amount
    return figures


def _refresh_changed(since: datetime, step) -> int:
    """Recompute what changed since `since`: the changed store-months, the streaks of their
    stores, and the province, category and buyer roll-ups of their provinces and months."""
    changed = _changed_store_months(since)
    step()
    if not changed:
        for _ in range(REFRESH_STEPS - 1):
            step()
        return 0
    figures = _store_month_figures(changed)
    provinces = dict(db.session.execute(
        select(Store.id, Store.province_code).where(Store.id.in_(list(changed)))).all())
    step()
    # A month's streak depends on the month before, so each changed store's rows are written
    # again from its first changed month on; the row before that seeds the streaks.
    first = {store_id: min(months) for store_id, months in changed.items()}
    columns = [MonthlyStoreSales.store_id, MonthlyStoreSales.month,
               MonthlyStoreSales.month_index, MonthlyStoreSales.province_code,
               MonthlyStoreSales.orders, MonthlyStoreSales.gmv, MonthlyStoreSales.buyers,
               MonthlyStoreSales.net_sales, *(getattr(MonthlyStoreSales, f"streak_{kind}")
                                              for kind in THRESHOLD_KINDS)]
    rows, seeds = [], {}
    for stores in _chunks(changed):
        for row in db.session.execute(select(*columns).where(
                MonthlyStoreSales.store_id.in_(stores),
                MonthlyStoreSales.month_index >= min(first[s] for s in stores) - 1)):
            item = dict(row._mapping)
            if item["month_index"] < first[item["store_id"]]:
                if item["month_index"] == first[item["store_id"]] - 1:
                    seeds[item["store_id"]] = item
            elif item["month_index"] not in changed[item["store_id"]]:
                rows.append(item)
        by_first: dict[int, list[int]] = defaultdict(list)
        for store_id in stores:
            by_first[first[store_id]].append(store_id)
        for index, ids in by_first.items():
            db.session.execute(delete(MonthlyStoreSales).where(
                MonthlyStoreSales.store_id.in_(ids), MonthlyStoreSales.month_index >= index))
    for (store_id, index), item in figures.items():
        rows.append({"store_id": store_id, "month": month_of_index(index), "month_index": index,
                     "province_code": provinces[store_id], "orders": item["orders"],
                     "gmv": item["gmv"], "buyers": len(item["buyers"]),
                     "net_sales": item["net_sales"]})
    written = _write_store_months(rows, seeds)
    step()
    place_months: dict[int, set[str]] = defaultdict(set)
    for store_id, months in changed.items():
        for index in months:
            place_months[index].add(provinces[store_id])
    for index, codes in sorted(place_months.items()):
        for code in sorted(codes):
            written += _rollup_provinces(code, month_of_index(index))
    step()
    for index, codes in sorted(place_months.items()):
        written += _refresh_categories(index, sorted(codes))
    step()
    for index, codes in sorted(place_months.items()):
        written += _refresh_month_buyers(index, sorted(codes))
    step()
    written += _refresh_all_time_buyers(sorted(set(provinces.values())))
    step()
    return written


def _counted_in_month(index: int):
    low, high = _month_bounds(index)
    return and_(Order.created_at >= low, Order.created_at < high,
                Order.status.not_in(_NOT_COUNTED))


def _refresh_categories(index: int, codes: list[str]) -> int:
    """Units and value per top-level category of one month, for these provinces."""
    month = month_of_index(index)
    db.session.execute(delete(MonthlyCategorySales).where(
        MonthlyCategorySales.month == month, MonthlyCategorySales.province_code.in_(codes)))
    top = func.coalesce(Category.parent_id, Category.id)
    source = (
        select(literal(month, MonthlyCategorySales.month.type), Store.province_code, top,
               func.sum(OrderLine.quantity), func.sum(OrderLine.line_total))
        .select_from(Order).join(Store, Store.id == Order.store_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(_counted_in_month(index), Store.province_code.in_(codes))
        .group_by(Store.province_code, top))
    table = MonthlyCategorySales.__table__
    return db.session.execute(insert(table).from_select(
        ["month", "province_code", "category_id", "units", "gmv"], source)).rowcount or 0


def _replace_buyers(rows: list[dict], where) -> int:
    db.session.execute(delete(ProgrammeBuyers).where(where))
    if rows:
        db.session.execute(insert(ProgrammeBuyers.__table__), rows)
    return len(rows)


def _refresh_month_buyers(index: int, codes: list[str]) -> int:
    """Distinct buyers of one month: per changed province, and over all provinces."""
    month = month_of_index(index)
    distinct = func.count(func.distinct(Order.buyer_id))
    per_place = db.session.execute(
        select(Store.province_code, distinct).join(Store, Store.id == Order.store_id)
        .where(_counted_in_month(index), Store.province_code.in_(codes))
        .group_by(Store.province_code)).all()
    everywhere = db.session.scalar(select(distinct).where(_counted_in_month(index))) or 0
    rows = [{"province_code": code, "month": month, "buyers": n} for code, n in per_place]
    rows += [{"province_code": None, "month": month, "buyers": everywhere}] if everywhere else []
    return _replace_buyers(rows, and_(ProgrammeBuyers.month == month, or_(
        ProgrammeBuyers.province_code.in_(codes), ProgrammeBuyers.province_code.is_(None))))


def _refresh_all_time_buyers(codes: list[str]) -> int:
    """Distinct buyers over all months: per changed province, and over all provinces (one
    count a buyer's new order can change however old the rest of the data is)."""
    counted = Order.status.not_in(_NOT_COUNTED)
    distinct = func.count(func.distinct(Order.buyer_id))
    per_place = db.session.execute(
        select(Store.province_code, distinct).join(Store, Store.id == Order.store_id)
        .where(counted, Store.province_code.in_(codes)).group_by(Store.province_code)).all()
    everywhere = db.session.scalar(select(distinct).where(counted)) or 0
    rows = [{"province_code": code, "month": None, "buyers": n} for code, n in per_place]
    rows.append({"province_code": None, "month": None, "buyers": everywhere})
    return _replace_buyers(rows, and_(ProgrammeBuyers.month.is_(None), or_(
        ProgrammeBuyers.province_code.in_(codes), ProgrammeBuyers.province_code.is_(None))))


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _write_store_months(rows: list[dict], seeds: dict[int, dict] | None = None) -> int:
    """Insert store-month rows with their income lines and streaks (see `_add_streaks`)."""
    _add_streaks(rows, seeds or {})
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(MonthlyStoreSales.__table__), rows[start:start + 10_000])
    return len(rows)


def _add_streaks(rows: list[dict], seeds: dict[int, dict]) -> None:
    """For each kind of line: the amount in force and the run of months at or above it.

    The line in force is the regency's (matched without case) if there is one, else the
    province's, on the first day of the month. `seeds` holds, per store, the summary row of
    the month before its first row here, when that row is kept (an incremental refresh).
    """
    lines: dict[tuple, list] = {}
    for line in db.session.scalars(select(IncomeThreshold)):
        key = (line.kind, line.province_code, (line.regency or "").strip().lower() or None)
        lines.setdefault(key, []).append((line.effective_from, line.effective_to, line.amount))
    regencies = dict(db.session.execute(
        select(Store.id, Store.regency).where(Store.id.in_({r["store_id"] for r in rows}))
    ).all()) if len(rows) < 5_000 else dict(db.session.execute(
        select(Store.id, Store.regency)).all())

    def line_for(kind: str, province: str, regency: str | None, month: date) -> int | None:
        for key in ((kind, province, regency), (kind, province, None)):
            for start, end, amount in lines.get(key, ()):
                if start <= month and (end is None or month <= end):
                    return amount
        return None

    rows.sort(key=lambda r: (r["store_id"], r["month_index"]))
    previous: dict | None = None
    for row in rows:
        if previous is None or previous["store_id"] != row["store_id"]:
            previous = seeds.get(row["store_id"])
        regency = (regencies.get(row["store_id"]) or "").strip().lower() or None
        follows = (previous is not None and previous["store_id"] == row["store_id"]
                   and previous["month_index"] == row["month_index"] - 1)
        for kind in THRESHOLD_KINDS:
            amount = line_for(kind, row["province_code"], regency, row["month"])
            row[f"line_{kind}"] = amount
            above = amount is not None and row["net_sales"] >= amount
            row[f"streak_{kind}"] = (
                (previous[f"streak_{kind}"] + 1 if follows else 1) if above else 0)
        previous = row


_ROLLUP_SQL = """
    INSERT INTO monthly_province_sales
      (month, province_code, month_index, stores_selling, orders, gmv, net_sales,
       above_ump, above_umk, above_poverty_line)
    SELECT month, province_code, MIN(month_index), SUM(CASE WHEN orders > 0 THEN 1 ELSE 0 END),
           SUM(orders), SUM(gmv), SUM(net_sales),
           SUM(CASE WHEN streak_ump > 0 THEN 1 ELSE 0 END),
           SUM(CASE WHEN streak_umk > 0 THEN 1 ELSE 0 END),
           SUM(CASE WHEN streak_poverty_line > 0 THEN 1 ELSE 0 END)
    FROM monthly_store_sales WHERE (:province = '' OR province_code = :province)
      AND (:one_month = 0 OR month = :month)
    GROUP BY month, province_code
"""


def _rollup_provinces(province_code: str | None = None, month: date | None = None) -> int:
    """Rebuild the per-province monthly rows from the store-month rows (one province or all;
    one month or all: a month's row depends on that month's store rows only)."""
    removal = delete(MonthlyProvinceSales)
    if province_code:
        removal = removal.where(MonthlyProvinceSales.province_code == province_code)
    if month is not None:
        removal = removal.where(MonthlyProvinceSales.month == month)
    db.session.execute(removal)
    return db.session.execute(text(_ROLLUP_SQL).bindparams(
        bindparam("month", type_=MonthlyProvinceSales.month.type)), {
        "province": province_code or "", "one_month": int(month is not None),
        "month": month}).rowcount or 0


def recompute_graduation(province_code: str | None = None) -> int:
    """Recompute income lines and streaks of the summary (one province, or all) after the
    lines changed; returns the rows rewritten."""
    columns = [MonthlyStoreSales.store_id, MonthlyStoreSales.month,
               MonthlyStoreSales.month_index, MonthlyStoreSales.province_code,
               MonthlyStoreSales.orders, MonthlyStoreSales.gmv, MonthlyStoreSales.buyers,
               MonthlyStoreSales.net_sales]
    stmt = select(*columns)
    if province_code:
        stmt = stmt.where(MonthlyStoreSales.province_code == province_code)
    rows = [dict(row._mapping) for row in db.session.execute(stmt)]
    removal = delete(MonthlyStoreSales)
    if province_code:
        removal = removal.where(MonthlyStoreSales.province_code == province_code)
    db.session.execute(removal)
    written = _write_store_months(rows)
    _rollup_provinces(province_code)
    _announce_graduations()
    return written


REFRESH_JOB = "marketplace.services.programme.indicators.run_refresh"


def queue_refresh(actor: User) -> BackgroundTask:
    """Start a refresh in the background (when the caller commits), or return the one that is
    already waiting or running: pressing the button twice is one refresh.

    :raises PermissionDenied: the actor is not staff.
    """
    require(actor, "staff.work")
    waiting = refresh_in_progress()
    if waiting is not None:
        return waiting
    task = tasks.create("programme_refresh", actor)
    tasks.enqueue(REFRESH_JOB, task)
    return task


def refresh_in_progress() -> BackgroundTask | None:
    """The refresh staff started that has not finished yet, if any."""
    return db.session.scalar(tasks.unfinished("programme_refresh").limit(1))


def run_refresh(task_id: int) -> None:
    """The job: one refresh for the task, once (a retried job finds it done and stops).

    The summaries and the task's `done` commit together; a job killed half-way leaves the old
    figures and the task running, and its retry does the refresh again.
    """
    if tasks.claim(task_id) is None:
        return
    with write_intent():
        task = tasks.locked(task_id)
        if task.finished:  # a duplicate job got here first
            return
        refresh = refresh_summaries(db.session.get(User, task.user_id))
        task.state, task.finished_at = "done", utcnow()
        task.result = {"rows": refresh.rows, "duration_ms": refresh.duration_ms}
        db.session.commit()  # which queues the people figures' warm-up (people.warm_figures)


def _announce_graduations() -> None:
    """Tell subscribed ministry systems about stores that graduated (by the default rule) since
    the figures were last brought up to date; each store is announced once."""
    if outbound.wanted("store.graduated"):
        outbound.stores_graduated({store_id: item.graduated_in for store_id, item
                                   in graduation_by_store().items() if item.graduated_in})


def last_refresh() -> SummaryRefresh | None:
    return db.session.scalar(select(SummaryRefresh).order_by(SummaryRefresh.id.desc()).limit(1))


# --- income thresholds ----------------------------------------------------------------------

def thresholds(staff: User, kind: str | None = None) -> list[IncomeThreshold]:
    """Income lines, by kind, place and start date."""
    require(staff, "staff.work")
    stmt = select(IncomeThreshold).order_by(
        IncomeThreshold.kind, IncomeThreshold.province_code, IncomeThreshold.regency,
        IncomeThreshold.effective_from)
    if kind:
        stmt = stmt.where(IncomeThreshold.kind == kind)
    return list(db.session.scalars(stmt))


def add_threshold(staff: User, kind: str, province_code: str, regency: str | None,
                  amount, effective_from: date | None,
                  effective_to: date | None = None) -> IncomeThreshold:
    """Enter a monthly income line for a province (or one regency) from a date.

    `effective_to` is the last day it applies (None: until further notice).

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown kind or province, amount not a positive whole number of
        rupiah, dates missing or inverted, or it overlaps a line for the same place and kind.
    """
    require(staff, "staff.work")
    errors = {}
    if kind not in THRESHOLD_KINDS:
        errors["kind"] = _("Choose UMP, UMK or the poverty line.")
    try:
        check_province(province_code)
    except ValidationError as exc:
        errors["province_code"] = exc.message
    regency = clean_text(regency, 120, "regency", required=False) or None
    if kind == "umk" and regency is None:
        errors["regency"] = _("A UMK is set per regency or city: enter its name.")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= 1_000_000_000:
        errors["amount"] = _("Enter a positive whole number of rupiah, e.g. 2100000.")
    if effective_from is None:
        errors["effective_from"] = _("Enter the date the line starts to apply.")
    elif effective_to is not None and effective_to <= effective_from:
        errors["effective_to"] = _("The end date must be after the start date.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    same_place = [IncomeThreshold.kind == kind, IncomeThreshold.province_code == province_code,
                  func.lower(IncomeThreshold.regency) == regency.lower() if regency
                  else IncomeThreshold.regency.is_(None)]
    overlaps = [or_(IncomeThreshold.effective_to.is_(None),
                    IncomeThreshold.effective_to >= effective_from)]
    if effective_to is not None:
        overlaps.append(IncomeThreshold.effective_from <= effective_to)
    clash = db.session.scalar(select(IncomeThreshold).where(*same_place, *overlaps).limit(1))
    if clash is not None:
        raise ValidationError(
            _("This overlaps the line from %(start)s for the same place; end that one first.",
              start=clash.effective_from.isoformat()), field="effective_from")
    line = IncomeThreshold(kind=kind, province_code=province_code, regency=regency,
                           amount=amount, effective_from=effective_from,
                           effective_to=effective_to, created_by_id=staff.id)
    db.session.add(line)
    db.session.flush()
    audit.record(staff, "threshold.create", line, None, _threshold_values(line))
    recompute_graduation(province_code)
    return line


def _threshold_values(line: IncomeThreshold) -> dict:
    return {"kind": line.kind, "province_code": line.province_code, "regency": line.regency,
            "amount": line.amount, "effective_from": line.effective_from,
            "effective_to": line.effective_to}


def delete_threshold(staff: User, threshold_id: int) -> None:
    """Remove a line entered by mistake (the audit log keeps what it was).

    :raises NotFound: no such line.
    """
    require(staff, "staff.work")
    line = db.session.get(IncomeThreshold, threshold_id)
    if line is None:
        raise NotFound()
    audit.record(staff, "threshold.delete", line, _threshold_values(line), None)
    db.session.delete(line)
    db.session.flush()
    recompute_graduation(line.province_code)


# --- graduation -----------------------------------------------------------------------------

@dataclass
class StoreGraduation:
    store_id: int
    province_code: str
    #: The month the store completed its first run of N months above the line (or None).
    graduated_in: date | None = None
    #: Consecutive months above the line ending in the last counted month.
    current_streak: int = 0
    months_above: int = 0


def _check_rule(kind: str, months_required: int) -> None:
    if kind not in THRESHOLD_KINDS:
        raise ValidationError(_("Choose UMP, UMK or the poverty line."), field="kind")
    if isinstance(months_required, bool) or not isinstance(months_required, int) or not (
        1 <= months_required <= MAX_MONTHS_REQUIRED
    ):
        raise ValidationError(_("The number of months is from 1 to %(n)d.",
                                n=MAX_MONTHS_REQUIRED), field="months")


def _graduated(kind: str, months_required: int, last: int, province_code: str):
    """(store_id, province, month index it reached N months) for every graduated store."""
    streak = getattr(MonthlyStoreSales, f"streak_{kind}")
    stmt = (select(MonthlyStoreSales.store_id, MonthlyStoreSales.province_code,
                   func.min(MonthlyStoreSales.month_index))
            .where(streak >= months_required, MonthlyStoreSales.month_index <= last)
            .group_by(MonthlyStoreSales.store_id, MonthlyStoreSales.province_code))
    if province_code:
        stmt = stmt.where(MonthlyStoreSales.province_code == province_code)
    return db.session.execute(stmt).all()


def graduation_by_store(kind: str = DEFAULT_KIND, months_required: int = DEFAULT_MONTHS,
                        until: date | None = None,
                        province_code: str = "") -> dict[int, StoreGraduation]:
    """Per store with any month above its line: when it graduated and its current streak.

    `until` is the last month counted (default: the current month).

    :raises ValidationError: unknown kind, or months outside 1..24.
    """
    _check_rule(kind, months_required)
    last = month_index(until or current_month())
    streak = getattr(MonthlyStoreSales, f"streak_{kind}")
    stmt = (select(MonthlyStoreSales.store_id, MonthlyStoreSales.province_code,
                   MonthlyStoreSales.month_index, streak)
            .where(streak > 0, MonthlyStoreSales.month_index <= last))
    if province_code:
        stmt = stmt.where(MonthlyStoreSales.province_code == province_code)
    result: dict[int, StoreGraduation] = {}
    for store_id, province, index, run in db.session.execute(stmt):
        item = result.setdefault(store_id, StoreGraduation(store_id, province))
        item.months_above += 1
        # Every run of N months or more passes through exactly one month with streak N.
        if run == months_required and (item.graduated_in is None
                                       or month_of_index(index) < item.graduated_in):
            item.graduated_in = month_of_index(index)
        # A run reaching this month or last month (this month may still be under way).
        if index == last or (index == last - 1 and item.current_streak == 0):
            item.current_streak = max(item.current_streak, run)
    return result


def graduation_summary(kind: str = DEFAULT_KIND, months_required: int = DEFAULT_MONTHS,
                       province_code: str = "", months: int = DASHBOARD_MONTHS,
                       until: date | None = None) -> dict:
    """Graduated stores per province, and per month (cumulative) over the last `months`.

    :raises ValidationError: unknown kind, or months outside 1..24.
    """
    _check_rule(kind, months_required)
    last = month_index(until or current_month())
    by_province: dict[str, int] = {}
    reached: dict[int, int] = {}
    graduated = _graduated(kind, months_required, last, province_code)
    for _store_id, province, index in graduated:
        by_province[province] = by_province.get(province, 0) + 1
        reached[index] = reached.get(index, 0) + 1
    p = MonthlyProvinceSales
    stmt = (select(p.month_index, func.sum(getattr(p, f"above_{kind}")))
            .where(p.month_index > last - months, p.month_index <= last)
            .group_by(p.month_index))
    if province_code:
        stmt = stmt.where(p.province_code == province_code)
    above = {index: int(n) for index, n in db.session.execute(stmt).all()}
    running = sum(n for index, n in reached.items() if index <= last - months)
    timeline = []
    for index in range(last - months + 1, last + 1):
        running += reached.get(index, 0)
        timeline.append({"month": month_of_index(index), "above": above.get(index, 0),
                         "graduated": running})
    return {"total": len(graduated), "by_province": by_province, "timeline": timeline}


# --- the dashboard --------------------------------------------------------------------------

@dataclass
class Dashboard:
    province_code: str
    kind: str
    months_required: int
    stores: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)
    by_province: list = field(default_factory=list)
    by_month: list = field(default_factory=list)
    by_category: list = field(default_factory=list)
    graduation: dict = field(default_factory=dict)
    refreshed: SummaryRefresh | None = None


def dashboard(staff: User, province_code: str = "", kind: str = DEFAULT_KIND,
              months_required: int = DEFAULT_MONTHS, until: date | None = None) -> Dashboard:
    """Every figure of the programme dashboard, optionally for one province.

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown province or kind, months out of range.
    """
    require(staff, "staff.work")
    if province_code:
        check_province(province_code)
    _check_rule(kind, months_required)
    last = month_index(until or current_month())
    first = last - DASHBOARD_MONTHS + 1
    result = Dashboard(province_code, kind, months_required, refreshed=last_refresh())
    in_place = (Store.province_code == province_code) if province_code else and_(True)
    m_place = ((MonthlyStoreSales.province_code == province_code) if province_code
               else and_(True))

    result.stores = {status.value: 0 for status in StoreStatus}
    result.stores.update(dict(db.session.execute(
        select(Store.status, func.count()).where(in_place).group_by(Store.status)).all()))
    result.stores["active"] = db.session.scalar(
        select(func.count(func.distinct(MonthlyStoreSales.store_id)))
        .where(m_place, MonthlyStoreSales.month >= month_of_index(last - 2),
               MonthlyStoreSales.orders > 0)) or 0

    p = MonthlyProvinceSales
    p_place = (p.province_code == province_code) if province_code else and_(True)
    totals = db.session.execute(
        select(func.coalesce(func.sum(p.gmv), 0), func.coalesce(func.sum(p.orders), 0),
               func.coalesce(func.sum(p.net_sales), 0)).where(p_place)).one()
    buyers_all = db.session.scalar(select(ProgrammeBuyers.buyers).where(
        ProgrammeBuyers.month.is_(None),
        ProgrammeBuyers.province_code == province_code if province_code
        else ProgrammeBuyers.province_code.is_(None))) or 0
    result.totals = {"gmv": int(totals[0]), "orders": int(totals[1]),
                     "net_sales": int(totals[2]), "buyers": buyers_all}

    grad = graduation_summary(kind, months_required, province_code, DASHBOARD_MONTHS,
                              month_of_index(last))
    result.graduation = grad

    verified = dict(db.session.execute(
        select(Store.province_code, func.count()).where(Store.status == StoreStatus.VERIFIED)
        .group_by(Store.province_code)).all())
    sales = {row[0]: row for row in db.session.execute(
        select(p.province_code, func.sum(p.gmv), func.sum(p.orders))
        .group_by(p.province_code)).all()}
    prov_buyers = dict(db.session.execute(
        select(ProgrammeBuyers.province_code, ProgrammeBuyers.buyers)
        .where(ProgrammeBuyers.month.is_(None), ProgrammeBuyers.province_code.is_not(None))
    ).all())
    codes = [province_code] if province_code else sorted(
        set(verified) | set(sales), key=lambda c: PROVINCES.get(c, c))
    result.by_province = [{
        "code": code, "verified": verified.get(code, 0),
        "gmv": int(sales[code][1]) if code in sales else 0,
        "orders": int(sales[code][2]) if code in sales else 0,
        "buyers": prov_buyers.get(code, 0),
        "graduated": grad["by_province"].get(code, 0),
    } for code in codes]

    monthly = {row[0]: row for row in db.session.execute(
        select(p.month_index, func.sum(p.gmv), func.sum(p.orders))
        .where(p_place, p.month_index >= first).group_by(p.month_index)).all()}
    month_buyers = {month_index(row[0]): row[1] for row in db.session.execute(
        select(ProgrammeBuyers.month, ProgrammeBuyers.buyers).where(
            ProgrammeBuyers.month >= month_of_index(first),
            ProgrammeBuyers.province_code == province_code if province_code
            else ProgrammeBuyers.province_code.is_(None))).all()}
    new_stores: dict[int, int] = {}
    for (verified_at,) in db.session.execute(
            select(Store.verified_at).where(in_place, Store.verified_at.is_not(None),
                                            Store.verified_at >= _utc_month_start(first))):
        index = month_index(to_jakarta(verified_at).date())
        new_stores[index] = new_stores.get(index, 0) + 1
    timeline = {row["month"]: row for row in grad["timeline"]}
    peak = max([int(r[1]) for r in monthly.values()] or [0]) or 1
    result.by_month = [{
        "month": month_of_index(i), "new_stores": new_stores.get(i, 0),
        "gmv": int(monthly[i][1]) if i in monthly else 0,
        "orders": int(monthly[i][2]) if i in monthly else 0,
        "buyers": month_buyers.get(i, 0),
        "above": timeline[month_of_index(i)]["above"],
        "graduated": timeline[month_of_index(i)]["graduated"],
        "bar": round(100 * (int(monthly[i][1]) if i in monthly else 0) / peak),
    } for i in range(first, last + 1)]

    cat_place = ((MonthlyCategorySales.province_code == province_code) if province_code
                 else and_(True))
    result.by_category = [
        {"category": category, "units": int(units), "gmv": int(gmv)}
        for category, units, gmv in db.session.execute(
            select(Category, func.sum(MonthlyCategorySales.units),
                   func.sum(MonthlyCategorySales.gmv))
            .join(Category, Category.id == MonthlyCategorySales.category_id)
            .where(cat_place).group_by(Category.id)
            .order_by(func.sum(MonthlyCategorySales.gmv).desc())).all()]
    return result


def _utc_month_start(index: int) -> datetime:
    start = month_of_index(index)
    return datetime(start.year, start.month, 1, tzinfo=JAKARTA).astimezone(UTC)
