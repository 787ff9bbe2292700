"""Sales dashboard figures on a fixed data set, Jakarta calendar days, CSV safety, statements."""

import csv
import io
from datetime import UTC, date, datetime

import pytest

from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.models import PaymentMethod
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger, sales
from tests.conftest import built_once

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # Friday 27 November, 19:00 WIB


@pytest.fixture
def shop(request, db, db_kind, make_store, make_product, make_user, make_order, paid_order):
    """One store and six orders at fixed times (see the comments for what counts), built once
    for the module and put back for each test."""
    built = built_once(request, db_kind, lambda: _build_shop(
        db, make_store, make_product, make_user, make_order, paid_order))
    return built["store"], tuple(built["orders"])


def _build_shop(db, make_store, make_product, make_user, make_order, paid_order) -> dict:
    store = make_store()
    a = make_product(store=store, title="Keripik Tempe", price=20_000, stock=100)
    b = make_product(store=store, title="=HYPERLINK(\"http://evil\")", price=15_000, stock=100)
    make_product(store=store, title="Sambal Roa", price=30_000, stock=3)
    make_product(store=store, title="Rengginang", price=12_000, stock=0)
    siti, budi, eka = make_user(name="Siti"), make_user(name="-Budi"), make_user(name="Eka")

    def at(checkout, when):
        order = checkout.orders[0] if hasattr(checkout, "orders") else checkout
        order.created_at = when
        db.session.commit()
        return order

    o1 = at(make_order(buyer=siti, items=[(a, 2)]), datetime(2026, 11, 27, 1, 0, tzinfo=UTC))
    # 18:30 UTC on the 26th is 01:30 WIB on the 27th: a Jakarta "today" sale.
    o2 = at(make_order(buyer=siti, items=[(b, 1)]), datetime(2026, 11, 26, 18, 30, tzinfo=UTC))
    o3 = at(make_order(buyer=eka, items=[(a, 1)]), datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
    fulfilment.cancel_order(eka, o3, "salah pesan")  # cancelled: not counted
    at(make_order(buyer=eka, items=[(a, 1)], method=PaymentMethod.BANK_TRANSFER),
       datetime(2026, 11, 25, 3, 0, tzinfo=UTC))  # awaiting payment: not counted
    o5 = at(paid_order(buyer=budi, items=[(a, 3)]), datetime(2026, 11, 10, 5, 0, tzinfo=UTC))
    fulfilment.accept_order(store.owner, o5)
    request = fulfilment.request_refund(budi, o5, "satu rusak", 10_000)
    fulfilment.decide_refund_request(store.owner, request, True)
    o6 = at(make_order(buyer=eka, items=[(b, 2)]), datetime(2026, 10, 20, 5, 0, tzinfo=UTC))
    db.session.commit()
    return {"store": store, "orders": [o1, o2, o3, o5, o6]}


def test_thirty_days_vs_previous(db, shop):
    store, _orders = shop
    d = sales.dashboard(store.owner, store, 30, now=NOW)
    assert (d.current.revenue, d.current.orders, d.current.units) == (105_000, 3, 6)
    assert d.current.aov == 35_000
    assert (d.previous.revenue, d.previous.orders, d.previous.units) == (30_000, 1, 2)
    assert d.change("revenue") == 250 and d.change("orders") == 200
    assert (d.buyers, d.repeat_buyers) == (2, 1)
    assert [(t[1], int(t[2]), int(t[3])) for t in d.top_products] == [
        ("Keripik Tempe", 5, 100_000), ('=HYPERLINK("http://evil")', 1, 15_000)]
    assert [(row.title, row.stock) for row in d.low_stock] == [("Rengginang", 0),
                                                               ("Sambal Roa", 3)]


def test_seven_days_by_jakarta_day(db, shop):
    store, _orders = shop
    d = sales.dashboard(store.owner, store, 7, now=NOW)
    assert d.grain == "day" and len(d.series) == 7
    assert d.series[0].start == date(2026, 11, 21) and d.series[-1].start == date(2026, 11, 27)
    by_day = {b.start: (b.revenue, b.orders, b.units) for b in d.series}
    assert by_day[date(2026, 11, 27)] == (55_000, 2, 3)
    assert by_day[date(2026, 11, 26)] == (0, 0, 0)
    assert d.change("revenue") is None  # nothing the week before


def test_week_and_month_buckets(db, shop):
    store, _orders = shop
    weeks = sales.dashboard(store.owner, store, 90, now=NOW)
    assert weeks.grain == "week"
    assert all(b.start.weekday() == 0 for b in weeks.series)
    by_week = {b.start: b.revenue for b in weeks.series}
    assert by_week[date(2026, 11, 23)] == 55_000 and by_week[date(2026, 11, 9)] == 50_000
    assert by_week[date(2026, 10, 19)] == 30_000
    months = sales.dashboard(store.owner, store, 365, grain="month", now=NOW)
    by_month = {b.start: (b.revenue, b.orders) for b in months.series}
    assert by_month[date(2026, 11, 1)] == (105_000, 3)
    assert by_month[date(2026, 10, 1)] == (30_000, 1)
    assert sum(b.revenue for b in months.series) == months.current.revenue


def test_bad_period_grain_and_other_owner(db, shop, make_user):
    store, _orders = shop
    with pytest.raises(ValidationError):
        sales.dashboard(store.owner, store, 31, now=NOW)
    with pytest.raises(ValidationError):
        sales.dashboard(store.owner, store, 30, grain="hour", now=NOW)
    with pytest.raises(PermissionDenied):
        sales.dashboard(make_user(), store, 30, now=NOW)


def test_csv_exports_are_formula_safe(db, shop):
    store, orders = shop
    rows = list(csv.reader(io.StringIO("".join(sales.products_csv(store.owner, store, 30,
                                                                  now=NOW)))))
    assert rows[0][0].lstrip("\ufeff") == "Produk"
    assert ["'=HYPERLINK(\"http://evil\")", "1", "15000"] in rows
    order_rows = list(csv.reader(io.StringIO("".join(
        sales.orders_csv(store.owner, store, 365, now=NOW)))))
    buyers = {row[0]: row[5] for row in order_rows[1:]}
    assert buyers[orders[3].reference] == "'-Budi"
    assert len(order_rows) == 1 + 6  # every status is exported
    assert sales.csv_safe("@SUM(A1)") == "'@SUM(A1)" and sales.csv_safe(-5) == -5


def test_statement_and_its_verification_code(db, shop, app):
    store, orders = shop
    o5 = orders[3]
    month = o5.paid_at.strftime("%Y-%m")
    statement = sales.statement_for(store.owner, store, month)
    assert statement.sales == o5.total and statement.refunds == -10_000
    assert statement.closing == ledger.balance(store)
    found = sales.verify_statement(statement.code.lower().replace("-", " - "))
    assert (found.store.id, found.sales) == (store.id, statement.sales)
    tampered = statement.code[:-1] + ("A" if statement.code[-1] != "A" else "B")
    for code in (tampered, "", "PMS-1-202611", "PMS-99999-202611-AAAA-AAAA-AAAA-AAAA",
                 statement.code.replace(f"-{store.id}-", f"-{store.id + 1}-")):
        with pytest.raises(NotFound):
            sales.verify_statement(code)
    with pytest.raises(PermissionDenied):
        sales.statement_for(orders[0].buyer, store, month)
    with pytest.raises(NotFound):
        sales.statement_for(store.owner, store, "2099-01")
    with pytest.raises(NotFound):
        sales.statement_for(store.owner, store, "bulan-ini")


def test_cached_figures_follow_every_order_change(db, app, monkeypatch, make_store, make_product,
                                                  make_user, make_order, paid_order):
    from marketplace.extensions import cache

    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    cache.clear()
    store = make_store()
    product = make_product(store=store, title="Keripik Tempe", price=20_000, stock=100)
    buyer = make_user(name="Siti")
    make_order(buyer=buyer, items=[(product, 1)])
    first = sales.dashboard(store.owner, store, 365)
    assert (first.current.revenue, first.current.orders, first.buyers) == (20_000, 1, 1)
    assert sales.dashboard(store.owner, store, 365).current == first.current  # from the cache
    second = make_order(buyer=buyer, items=[(product, 2)]).orders[0]
    after_order = sales.dashboard(store.owner, store, 365)
    assert (after_order.current.revenue, after_order.current.orders) == (60_000, 2)
    assert after_order.repeat_buyers == 1
    fulfilment.cancel_order(buyer, second, "salah pesan")
    db.session.commit()
    after_cancel = sales.dashboard(store.owner, store, 365)
    assert (after_cancel.current.revenue, after_cancel.current.orders) == (20_000, 1)
    refunded = paid_order(buyer=buyer, items=[(product, 1)])
    fulfilment.accept_order(store.owner, refunded)
    request = fulfilment.request_refund(buyer, refunded, "rusak", 5_000)
    fulfilment.decide_refund_request(store.owner, request, True)
    db.session.commit()
    after_refund = sales.dashboard(store.owner, store, 365)
    assert after_refund.current.revenue == 20_000 + 20_000 - 5_000
    other = make_store()
    make_order(items=[(make_product(store=other, price=9_000), 1)])
    assert sales.dashboard(store.owner, store, 365).current == after_refund.current
    cache.clear()
