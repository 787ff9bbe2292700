"""Data exchange with the ministries: CSV and JSON exports, filtered, audited, privacy-aware.

Personal data (phone and WhatsApp numbers, addresses, bank accounts, owner names and emails)
is left out unless an admin explicitly asks for it. Every export leaves one audit row.
"""

import csv
import io
import json
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import MonthlyStoreSales, Store, User
from marketplace.permissions import can, require
from marketplace.regions import province_name
from marketplace.services import audit, programme

KINDS = ("stores", "sales", "graduation", "totals")
FORMATS = ("csv", "json")
#: The longest period one export may cover.
MAX_MONTHS = 60
PERSONAL_STORE_FIELDS = ("owner_name", "owner_email", "owner_phone", "whatsapp",
                         "pickup_address", "bank_name", "bank_account_number",
                         "bank_account_holder")


@dataclass(frozen=True)
class Export:
    filename: str
    mimetype: str
    body: str
    rows: int


@dataclass(frozen=True)
class Filters:
    province_code: str = ""
    start: date | None = None
    end: date | None = None


def check_filters(province_code: str = "", start: date | None = None,
                  end: date | None = None) -> Filters:
    """Months normalised to their first day; the period at most MAX_MONTHS long.

    :raises ValidationError: unknown province, inverted or too long period.
    """
    errors = {}
    if province_code and not province_name(province_code):
        errors["province_code"] = _("Choose a province from the list.")
    start = start.replace(day=1) if start else None
    end = end.replace(day=1) if end else None
    if start and end and end < start:
        errors["end"] = _("The end month must not be before the start month.")
    elif start and end and programme.month_index(end) - programme.month_index(start) >= MAX_MONTHS:
        errors["end"] = _("Export at most %(n)d months at a time.", n=MAX_MONTHS)
    elif not (start and end) and (start or end):
        errors["start" if not start else "end"] = _("Give both the start and the end month.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return Filters(province_code or "", start, end)


def safe_cell(value):
    """A spreadsheet must never run a cell as a formula: text starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def _stores(filters: Filters, personal: bool) -> list[dict]:
    stmt = select(Store).options(joinedload(Store.owner)).order_by(Store.id)
    if filters.province_code:
        stmt = stmt.where(Store.province_code == filters.province_code)
    if filters.start:
        stmt = stmt.where(Store.created_at >= programme._utc_month_start(
            programme.month_index(filters.start)))
        stmt = stmt.where(Store.created_at < programme._utc_month_start(
            programme.month_index(filters.end) + 1))
    rows = []
    for store in db.session.scalars(stmt):
        row = {"store_id": store.id, "name": store.name, "slug": store.slug,
               "province_code": store.province_code,
               "province": province_name(store.province_code), "regency": store.regency,
               "status": store.status.value, "participant_code": store.participant_code,
               "created_at": store.created_at.isoformat(),
               "verified_at": store.verified_at.isoformat() if store.verified_at else None}
        if personal:
            row.update(owner_name=store.owner.name, owner_email=store.owner.email,
                       owner_phone=store.owner.phone, whatsapp=store.whatsapp,
                       pickup_address=store.pickup_address, bank_name=store.bank_name,
                       bank_account_number=store.bank_account_number,
                       bank_account_holder=store.bank_account_holder)
        rows.append(row)
    return rows


def _sales(filters: Filters) -> list[dict]:
    m = MonthlyStoreSales
    stmt = (select(m.store_id, Store.name, m.province_code, m.month, m.orders, m.gmv, m.buyers,
                   m.net_sales).join(Store, Store.id == m.store_id)
            .order_by(m.month, m.store_id))
    if filters.province_code:
        stmt = stmt.where(m.province_code == filters.province_code)
    if filters.start:
        stmt = stmt.where(m.month >= filters.start, m.month <= filters.end)
    return [{"store_id": r[0], "store_name": r[1], "province_code": r[2],
             "month": r[3].isoformat()[:7], "orders": r[4], "gmv": r[5], "buyers": r[6],
             "net_sales": r[7]} for r in db.session.execute(stmt)]


def _graduation(filters: Filters, kind: str, months_required: int) -> list[dict]:
    status = programme.graduation_by_store(kind, months_required, filters.end,
                                           filters.province_code)
    stmt = select(Store).where(Store.status.in_(("verified", "suspended"))).order_by(Store.id)
    if filters.province_code:
        stmt = stmt.where(Store.province_code == filters.province_code)
    rows = []
    for store in db.session.scalars(stmt):
        item = status.get(store.id)
        rows.append({
            "store_id": store.id, "name": store.name, "province_code": store.province_code,
            "regency": store.regency, "threshold_kind": kind, "months_required": months_required,
            "graduated": bool(item and item.graduated_in),
            "graduated_in": item.graduated_in.isoformat()[:7] if item and item.graduated_in
            else None,
            "current_streak": item.current_streak if item else 0,
            "months_above": item.months_above if item else 0,
        })
    return rows


def _totals(staff: User, filters: Filters, kind: str, months_required: int) -> list[dict]:
    board = programme.dashboard(staff, filters.province_code, kind, months_required,
                                filters.end)
    return [{"province_code": r["code"], "province": province_name(r["code"]),
             "verified_stores": r["verified"], "orders": r["orders"], "gmv": r["gmv"],
             "buyers": r["buyers"], "graduated_stores": r["graduated"]}
            for r in board.by_province]


def export(staff: User, kind: str, fmt: str, filters: Filters, include_personal: bool = False,
           threshold_kind: str = programme.DEFAULT_KIND,
           months_required: int = programme.DEFAULT_MONTHS) -> Export:
    """Build one export and record it in the audit log.

    :raises PermissionDenied: not staff, or personal data asked for by someone not an admin.
    :raises ValidationError: unknown kind or format, or (graduation) a bad rule.
    """
    require(staff, "staff.work")
    if kind not in KINDS:
        raise ValidationError(_("Choose what to export."), field="kind")
    if fmt not in FORMATS:
        raise ValidationError(_("Choose CSV or JSON."), field="fmt")
    if include_personal and not can(staff, "admin.personal_data"):
        raise PermissionDenied(_("Only an admin can include personal data."))
    personal = include_personal and kind == "stores"
    if kind == "stores":
        rows = _stores(filters, personal)
    elif kind == "sales":
        rows = _sales(filters)
    elif kind == "graduation":
        rows = _graduation(filters, threshold_kind, months_required)
    else:
        rows = _totals(staff, filters, threshold_kind, months_required)
    audit.record(staff, f"export.{kind}", None, None, {
        "format": fmt, "province_code": filters.province_code or None,
        "start": filters.start, "end": filters.end, "rows": len(rows),
        "personal_data": personal,
        **({"threshold_kind": threshold_kind, "months_required": months_required}
           if kind in ("graduation", "totals") else {}),
    })
    db.session.flush()
    name = f"pasar-mandiri-{kind}-{(filters.province_code or 'all')}"
    if filters.start:
        name += f"-{filters.start:%Y%m}-{filters.end:%Y%m}"
    if fmt == "json":
        body = json.dumps({"export": kind, "filters": {
            "province_code": filters.province_code or None,
            "start": filters.start.isoformat()[:7] if filters.start else None,
            "end": filters.end.isoformat()[:7] if filters.end else None},
            "personal_data": personal, "rows": rows}, ensure_ascii=False, indent=1)
        return Export(f"{name}.json", "application/json", body, len(rows))
    return Export(f"{name}.csv", "text/csv", _csv(rows), len(rows))


def _csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buffer.getvalue()
