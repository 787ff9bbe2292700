"""The incremental programme refresh leaves exactly what a rebuild from scratch would."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from marketplace.models import (
    MonthlyCategorySales,
    MonthlyProvinceSales,
    MonthlyStoreSales,
    ProgrammeBuyers,
)
from marketplace.services.orders import fulfilment
from marketplace.services.programme import indicators


def summaries(db) -> dict:
    """Every summary row, without surrogate ids, in a comparable form."""
    tables = {}
    for model in (MonthlyStoreSales, MonthlyProvinceSales, MonthlyCategorySales,
                  ProgrammeBuyers):
        columns = [c for c in model.__table__.columns if c.name != "id"]
        tables[model.__tablename__] = sorted(
            (tuple(row) for row in db.session.execute(select(*columns))), key=repr)
    return tables


def test_incremental_refresh_matches_a_full_rebuild(db, staff, make_store, make_sale,
                                                    make_user, make_order, make_product):
    central = make_store()
    east = make_store(province_code="35", regency="Kota Malang")
    untouched = make_store(province_code="51", regency="Kota Denpasar")
    siti, budi = make_user(name="Siti"), make_user(name="Budi")
    for code in ("33", "35"):
        indicators.add_threshold(staff, "ump", code, None, 30_000, date(2020, 1, 1))
    last_month = indicators.current_month() - timedelta(days=1)
    make_sale(east, 50_000, datetime.combine(last_month, datetime.min.time(), tzinfo=UTC),
              buyer=budi)
    old = make_sale(central, 40_000, datetime(2026, 1, 31, 20, 0, tzinfo=UTC), buyer=siti)
    make_sale(central, 60_000, datetime(2026, 2, 10, 3, 0, tzinfo=UTC), buyer=budi)
    make_sale(east, 25_000, datetime(2026, 1, 5, 3, 0, tzinfo=UTC), buyer=siti)
    make_sale(untouched, 70_000, datetime(2026, 3, 5, 3, 0, tzinfo=UTC), buyer=budi)
    first = indicators.refresh_summaries(staff)
    db.session.commit()
    assert first.rows > 0
    untouched_rows = [row for row in summaries(db)["monthly_store_sales"]
                      if row[0] == untouched.id]

    # What happens between two refreshes: new orders (one a new buyer for the province),
    # an old order cancelled, and an order whose buyer never pays.
    make_sale(east, 30_000, buyer=budi)  # this month: a streak that goes on from last month
    make_order(buyer=siti, items=[(make_product(store=central, price=15_000), 2)])
    fulfilment.cancel_order(siti, old, "salah pesan")
    db.session.commit()
    indicators.refresh_summaries(staff)
    db.session.commit()
    incremental = summaries(db)

    assert [row for row in incremental["monthly_store_sales"]
            if row[0] == untouched.id] == untouched_rows
    streaks = {row[2]: row[-3] for row in incremental["monthly_store_sales"]
               if row[0] == east.id}
    assert streaks[indicators.month_index(indicators.current_month())] == 2
    indicators.refresh_summaries(staff, full=True)
    db.session.commit()
    assert incremental == summaries(db)


def test_a_refresh_with_nothing_new_changes_nothing(db, staff, make_store, make_sale):
    make_sale(make_store(), 40_000, datetime(2026, 1, 31, 20, 0, tzinfo=UTC))
    indicators.refresh_summaries(staff)
    db.session.commit()
    before = summaries(db)
    indicators.refresh_summaries(staff)
    db.session.commit()
    assert summaries(db) == before
