"""Seed step: featured vendors for the home page, demo income lines (UMP 2025 of five
provinces, a poverty line) and the programme summaries, so the home page and the staff
dashboard have something to show on a fresh install."""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import FeaturedSlot, IncomeThreshold, Store, StoreStatus
from marketplace.seed.base import DEMO_ACCOUNTS
from marketplace.services.programme.indicators import add_threshold, refresh_summaries
from marketplace.services.stores.featured import schedule_feature
from marketplace.services.users.accounts import find_user_by_email

#: Provincial minimum wages for 2025 as published by the provinces (rupiah per month).
UMP_2025 = {"31": 5_396_761, "32": 2_191_238, "33": 2_169_349, "34": 2_264_080,
            "35": 2_305_985}
#: A demo poverty line per household-earner (rupiah per month), the same for each province.
POVERTY_LINE = 595_000


#: Verified demo stores featured on the home page ("Penjual pilihan") for a month.
FEATURED = 3


def seed_staff() -> Iterator[str]:
    """Income lines, featured vendors and the programme summaries, each only if missing."""
    staff = find_user_by_email(next(e for role, e, _n in DEMO_ACCOUNTS if role == "staff"))
    if not db.session.scalar(select(func.count()).select_from(FeaturedSlot)):
        now = utcnow()
        stores = list(db.session.scalars(
            select(Store).where(Store.status == StoreStatus.VERIFIED).order_by(Store.id)
            .limit(FEATURED)))
        for position, store in enumerate(stores, start=1):
            schedule_feature(staff, store, position, now, now + timedelta(days=30),
                             "Demo: penjual pilihan bulan ini")
        yield f"Featured vendors: {len(stores)} scheduled."
    if not db.session.scalar(select(func.count()).select_from(IncomeThreshold)):
        for code, amount in UMP_2025.items():
            add_threshold(staff, "ump", code, None, amount, date(2025, 1, 1))
            add_threshold(staff, "poverty_line", code, None, POVERTY_LINE, date(2025, 1, 1))
        yield f"Income lines: {2 * len(UMP_2025)} added."
    result = refresh_summaries()
    yield f"Programme summaries: {result.rows} rows."
