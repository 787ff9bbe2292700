"""Programme figures about people: per facilitator, per household (KUBE shares), by region.

A section beside the programme dashboard (services/programme/indicators.py), reading its summaries.
"""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from marketplace import jobs, versions
from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import LedgerEntry, LedgerKind, Store, User
from marketplace.models.people import Caseload, FacilitatorProfile
from marketplace.permissions import require
from marketplace.regions import province_name
from marketplace.services.payouts.sales import csv_safe
from marketplace.services.programme import indicators, training
from marketplace.services.stores import groups

ACTIVE_DAYS = 30


@dataclass
class FacilitatorFigures:
    profile: FacilitatorProfile
    caseload: int
    with_store: int
    #: Stores of the caseload with a sale in the last 30 days, as a share of the caseload.
    active_pct: float | None
    graduated: int


def facilitator_figures(actor: User, province_code: str = "",
                        regency: str = "") -> list[FacilitatorFigures]:
    """Caseload size, active share and graduations per facilitator (staff: any province;
    a facilitator: their own province only), optionally of one regency's facilitators.

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    province_code = _region(actor, province_code)
    stmt = select(FacilitatorProfile).order_by(FacilitatorProfile.province_code,
                                               FacilitatorProfile.id)
    if province_code:
        stmt = stmt.where(FacilitatorProfile.province_code == province_code)
    if regency:
        stmt = stmt.where(FacilitatorProfile.regency == regency)
    profiles = list(db.session.scalars(stmt))
    cases = db.session.execute(
        select(Caseload.facilitator_id, Store.id)
        .outerjoin(Store, Store.owner_id == Caseload.entrepreneur_id)
        .where(Caseload.facilitator_id.in_([p.user_id for p in profiles]))).all()
    store_ids = [s for _f, s in cases if s is not None]
    active = set(db.session.scalars(select(LedgerEntry.store_id).where(
        LedgerEntry.store_id.in_(store_ids), LedgerEntry.kind == LedgerKind.SALE,
        LedgerEntry.created_at >= utcnow() - timedelta(days=ACTIVE_DAYS))))
    graduated = {s for s, g in indicators.graduation_by_store().items()
                 if g.graduated_in is not None}
    result = []
    for profile in profiles:
        mine = [s for f, s in cases if f == profile.user_id]
        stores = [s for s in mine if s is not None]
        result.append(FacilitatorFigures(
            profile, len(mine), len(stores),
            round(100 * sum(1 for s in stores if s in active) / len(mine), 1) if mine else None,
            sum(1 for s in stores if s in graduated)))
    return result


def facilitator_areas(actor: User) -> list[tuple[str, str]]:
    """The areas facilitators work in, as (province code, regency; "" for a whole province),
    for the dashboard's area filter (a facilitator: those of their own province).

    :raises PermissionDenied: neither staff nor a facilitator.
    """
    province_code = _region(actor, "")
    stmt = select(FacilitatorProfile.province_code, FacilitatorProfile.regency).distinct()
    if province_code:
        stmt = stmt.where(FacilitatorProfile.province_code == province_code)
    areas = {(code, regency or "") for code, regency in db.session.execute(stmt)}
    return sorted(areas, key=lambda area: (province_name(area[0]), area[1]))


def _region(actor: User, province_code: str) -> str:
    region = training.region_of(actor)  # raises PermissionDenied for anyone else
    return province_code if region is None else region


def households(actor: User, province_code: str = "") -> dict:
    """Households at or above the income line in the last full month, counting a group
    store's income per member household by its shares."""
    return _households(_region(actor, province_code))


def _households(province_code: str) -> dict:
    last = indicators.month_index(indicators.current_month()) - 1
    above, earning = training.cached_figures(
        f"households:{last}", province_code,
        lambda: groups.households_above_line(last, province_code))
    return {"month": indicators.month_of_index(last), "above": above, "earning": earning}


WARM_JOB = "marketplace.services.programme.people.warm_figures"


def warm_figures() -> None:
    """Compute the nationwide people figures into the cache, so that the change that made them
    stale pays for them and not the dashboard's next viewer (the training outcomes take
    0.4-0.7 s at 10,000 stores on SQLite): the job queued after each such commit."""
    if not versions.caching_on():
        return
    # A change committed while these are computed ends their version again, and its own job
    # was dropped as a copy of this one (same key, still running): compute again then.
    for _ in range(3):
        version = versions.current(training.FIGURES)
        training.outcomes_of("")
        _households("")
        if versions.current(training.FIGURES) == version:
            return


def _queue_warm_figures() -> None:
    jobs.enqueue(WARM_JOB, key=WARM_JOB)


versions.when_changed(training.FIGURES, _queue_warm_figures)


def facilitators_csv(actor: User, province_code: str = "",
                     include_personal: bool = False, regency: str = "") -> str:
    """The facilitator figures as CSV; names and emails only when an admin asks for them.

    :raises PermissionDenied: personal data asked for by someone who is not an admin.
    """
    if include_personal:
        require(actor, "admin.personal_data")
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["facilitator_id", "province", "regency", "caseload", "with_store", "active_pct",
              "graduated"]
    writer.writerow(header + (["name", "email"] if include_personal else []))
    for row in facilitator_figures(actor, province_code, regency):
        p = row.profile
        values = [p.user_id, province_name(p.province_code), csv_safe(p.regency or ""),
                  row.caseload,
                  row.with_store, "" if row.active_pct is None else row.active_pct,
                  row.graduated]
        personal = [csv_safe(p.user.name), csv_safe(p.user.email or "")]
        writer.writerow(values + (personal if include_personal else []))
    return out.getvalue()
