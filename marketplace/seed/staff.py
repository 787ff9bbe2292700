"""Seed step: demo income lines (UMP 2025 of five provinces, a poverty line) and the
programme summaries, so the staff dashboard has figures on a fresh install."""

from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import IncomeThreshold
from marketplace.seed.base import DEMO_ACCOUNTS
from marketplace.services.accounts import find_user_by_email
from marketplace.services.programme import add_threshold, refresh_summaries

#: Provincial minimum wages for 2025 as published by the provinces (rupiah per month).
UMP_2025 = {"31": 5_396_761, "32": 2_191_238, "33": 2_169_349, "34": 2_264_080,
            "35": 2_305_985}
#: A demo poverty line per household-earner (rupiah per month), the same for each province.
POVERTY_LINE = 595_000


def seed_staff() -> Iterator[str]:
    if not db.session.scalar(select(func.count()).select_from(IncomeThreshold)):
        staff = find_user_by_email(next(e for role, e, _n in DEMO_ACCOUNTS if role == "staff"))
        for code, amount in UMP_2025.items():
            add_threshold(staff, "ump", code, None, amount, date(2025, 1, 1))
            add_threshold(staff, "poverty_line", code, None, POVERTY_LINE, date(2025, 1, 1))
        yield f"Income lines: {2 * len(UMP_2025)} added."
    result = refresh_summaries()
    yield f"Programme summaries: {result.rows} rows."
