"""What ministry systems read: programme figures, stores for nightly mirroring, sales, training.

Figures are the programme dashboard's (services/programme/indicators.py), with its definitions.
Personal data (the owner's name, email and WhatsApp, the roster household's name) is included
only when the caller may see it, and every such read is audited with the stores it exposed.
"""

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from marketplace.clock import as_utc
from marketplace.extensions import db
from marketplace.models import MonthlyProvinceSales, Store, User
from marketplace.models.people import TrainingAttendance, TrainingEvent
from marketplace.permissions import require
from marketplace.regions import check_province
from marketplace.services.programme import indicators, training
from marketplace.services.staff import audit


def figures(actor: User, province_code: str = "") -> indicators.Dashboard:
    """The programme dashboard's figures (all provinces, or one).

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown province.
    """
    return indicators.dashboard(actor, province_code)


def stores_changed(actor: User, *, updated_since: datetime | None,
                   after: tuple[datetime, int] | None, limit: int,
                   personal: bool) -> list[dict]:
    """Stores changed since a time, oldest change first, continuing after (updated_at, id).

    `personal` adds the owner's contact details and the household name (audited).

    :raises PermissionDenied: not staff, or personal data without the admin's grant.
    """
    require(actor, "staff.work")
    if personal:
        require(actor, "admin.personal_data")
    stmt = (select(Store).options(joinedload(Store.owner), joinedload(Store.pkh_household))
            .order_by(Store.updated_at, Store.id).limit(limit))
    if updated_since is not None:
        stmt = stmt.where(Store.updated_at >= updated_since)
    if after is not None:
        stamp, last_id = after
        stmt = stmt.where(or_(Store.updated_at > stamp,
                              (Store.updated_at == stamp) & (Store.id > last_id)))
    stores = list(db.session.scalars(stmt).unique())
    graduated = indicators.graduation_by_store()
    rows = []
    for store in stores:
        household = store.pkh_household
        grad = graduated.get(store.id)
        row = {
            "id": store.id, "slug": store.slug, "name": store.name,
            "province_code": store.province_code, "regency": store.regency,
            "status": store.status.value, "participant_code": store.participant_code,
            "verified_at": as_utc(store.verified_at).isoformat() if store.verified_at else None,
            "pkh_graduate_verified": household is not None,
            "pkh_graduated_on": household.graduated_on.isoformat() if household else None,
            "graduated_in": grad.graduated_in.isoformat()[:7] if grad and grad.graduated_in
            else None,
            "updated_at": as_utc(store.updated_at).isoformat(),
            "_cursor": (store.updated_at, store.id),
        }
        if personal:
            row["personal"] = {"owner_name": store.owner.name, "owner_email": store.owner.email,
                               "whatsapp": store.whatsapp,
                               "household_name": household.name if household else None}
        rows.append(row)
    if personal and rows:
        audit.record(actor, "api.personal_read", None, None,
                     {"what": "stores", "store_ids": [r["id"] for r in rows]})
    return rows


def monthly_sales(actor: User, province_code: str = "", since_month=None) -> list[dict]:
    """Sales per month and province from the programme summary (same figures as the dashboard).

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown province.
    """
    require(actor, "staff.work")
    p = MonthlyProvinceSales
    stmt = select(p).order_by(p.month, p.province_code)
    if province_code:
        check_province(province_code)
        stmt = stmt.where(p.province_code == province_code)
    if since_month is not None:
        stmt = stmt.where(p.month >= since_month)
    return [{"month": r.month.isoformat()[:7], "province_code": r.province_code,
             "stores_selling": r.stores_selling, "orders": r.orders, "gmv": r.gmv,
             "net_sales": r.net_sales} for r in db.session.scalars(stmt.limit(5000))]


def training_attendance(actor: User, province_code: str = "") -> dict:
    """Trainings held and people attending, per month and province, and the outcomes table.

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown province.
    """
    require(actor, "staff.work")
    if province_code:
        check_province(province_code)
    e = TrainingEvent
    stmt = (select(e.held_on, e.province_code, func.count(func.distinct(e.id)),
                   func.count(TrainingAttendance.id))
            .outerjoin(TrainingAttendance, TrainingAttendance.event_id == e.id)
            .group_by(e.held_on, e.province_code))
    if province_code:
        stmt = stmt.where(e.province_code == province_code)
    months: dict[tuple[str, str], list[int]] = {}
    for held_on, province, events, attendees in db.session.execute(stmt):
        item = months.setdefault((held_on.isoformat()[:7], province), [0, 0])
        item[0] += events
        item[1] += attendees
    return {
        "by_month": [{"month": m, "province_code": p, "trainings": v[0], "attendances": v[1]}
                     for (m, p), v in sorted(months.items())],
        "outcomes": training.outcomes(actor, province_code),
    }
