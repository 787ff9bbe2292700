"""Data exchange with the ministries: CSV and JSON exports, filtered, audited, privacy-aware;
and the payouts list for the bank, built by a background job.

Personal data (phone and WhatsApp numbers, addresses, bank accounts, owner names and emails)
is left out unless an admin explicitly asks for it. Every export leaves one audit row.
"""

import csv
import io
import json
import secrets
from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace import jobs, tasks
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import BackgroundTask, MonthlyStoreSales, Store, User
from marketplace.permissions import can, require
from marketplace.regions import province_name
from marketplace.replica import read_replica
from marketplace.services.payouts import ledger
from marketplace.services.payouts.sales import csv_lines, csv_safe
from marketplace.services.programme import indicators
from marketplace.services.staff import audit
from marketplace.storage import get_storage

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
    elif (start and end
          and indicators.month_index(end) - indicators.month_index(start) >= MAX_MONTHS):
        errors["end"] = _("Export at most %(n)d months at a time.", n=MAX_MONTHS)
    elif not (start and end) and (start or end):
        errors["start" if not start else "end"] = _("Give both the start and the end month.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return Filters(province_code or "", start, end)


def _stores(filters: Filters, personal: bool) -> list[dict]:
    stmt = select(Store).options(joinedload(Store.owner)).order_by(Store.id)
    if filters.province_code:
        stmt = stmt.where(Store.province_code == filters.province_code)
    if filters.start:
        stmt = stmt.where(Store.created_at >= indicators._utc_month_start(
            indicators.month_index(filters.start)))
        stmt = stmt.where(Store.created_at < indicators._utc_month_start(
            indicators.month_index(filters.end) + 1))
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
    status = indicators.graduation_by_store(kind, months_required, filters.end,
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
    board = indicators.dashboard(staff, filters.province_code, kind, months_required,
                                 filters.end)
    return [{"province_code": r["code"], "province": province_name(r["code"]),
             "verified_stores": r["verified"], "orders": r["orders"], "gmv": r["gmv"],
             "buyers": r["buyers"], "graduated_stores": r["graduated"]}
            for r in board.by_province]


def export(staff: User, kind: str, fmt: str, filters: Filters, include_personal: bool = False,
           threshold_kind: str = indicators.DEFAULT_KIND,
           months_required: int = indicators.DEFAULT_MONTHS) -> Export:
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
            writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return buffer.getvalue()


# --- the payouts list for the bank, as a background job ------------------------------------------

PAYOUTS_JOB = "marketplace.services.programme.exports.run_payouts_export"
#: Days a finished payouts list stays downloadable; it lists bank accounts, so housekeeping
#: removes it after that (`flask housekeeping`).
PAYOUTS_FILE_DAYS = 7
#: Tries of one payouts list: the first run and one per retry delay of the job machinery.
PAYOUTS_ATTEMPTS = 1 + len(jobs.RETRY_DELAYS)
#: PostgreSQL advisory lock key held while a payouts list is started (any number, used once).
_PAYOUTS_START_LOCK = 0x5041594F


def payouts_csv(staff: User, threshold: int) -> tuple[bytes, int]:
    """The bank's bulk transfer file: stores owed at least `threshold`, largest first, with
    column names in the current language, as UTF-8 with a byte-order mark (spreadsheets then
    read the names right). Returns (file, rows); reads the replica when one is configured.

    :raises PermissionDenied: not staff.
    """
    with read_replica():
        rows = ledger.stores_to_pay(staff, threshold)
        lines = csv_lines(
            [_("Store"), _("Bank"), _("Account number"), _("Account holder"), _("Amount")],
            ((store.name, store.bank_name, store.bank_account_number,
              store.bank_account_holder, int(balance)) for store, balance in rows))
        return "".join(lines).encode(), len(rows)


def start_payouts_export(staff: User, threshold: int, locale: str) -> BackgroundTask:
    """Queue the payouts list for the bank (it starts when the caller commits), or return the
    one for the same threshold and language that is already waiting or running: pressing the
    button twice is one list.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    if db.session.get_bind().dialect.name == "postgresql":
        # Two presses at the same moment: the second waits for the first to commit and then
        # finds its task. (SQLite already serialises writers: write transactions begin IMMEDIATE.)
        db.session.execute(select(func.pg_advisory_xact_lock(_PAYOUTS_START_LOCK)))
    waiting = db.session.scalars(tasks.unfinished("payouts_export"))
    task = next((t for t in waiting if (t.result.get("threshold"), t.result.get("locale"))
                 == (threshold, locale)), None)
    if task is None:
        task = tasks.create("payouts_export", staff,
                            result={"threshold": threshold, "locale": locale})
        audit.record(staff, "export.payouts", task, None, {"threshold": threshold})
    # Queued again even when it exists: the way to revive one whose job was lost (a web
    # process restarted without Redis).
    tasks.enqueue(PAYOUTS_JOB, task)
    return task


def payouts_exports(staff: User, limit: int = 5) -> list[BackgroundTask]:
    """The latest payouts lists, newest first (for the payouts page).

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    return list(db.session.scalars(
        select(BackgroundTask).where(BackgroundTask.kind == "payouts_export")
        .order_by(BackgroundTask.id.desc()).limit(limit)))


def payouts_export(staff: User, task_id: int) -> BackgroundTask:
    """One payouts list, for its progress page.

    :raises NotFound: no such list, or the actor is not staff (its existence is not told).
    """
    task = db.session.get(BackgroundTask, task_id)
    if task is None or task.kind != "payouts_export" or not can(staff, "staff.work"):
        raise NotFound()
    return task


def payouts_export_file(staff: User, task_id: int) -> bytes:
    """The finished payouts list's file, read from private storage.

    :raises NotFound: not staff, no such list, not finished, or its file was removed.
    """
    task = payouts_export(staff, task_id)
    data = get_storage(private=True).get(task.file_key) if task.state == "done" and \
        task.file_key else None
    if data is None:
        raise NotFound()
    return data


def run_payouts_export(task_id: int) -> None:
    """The job: write the task's payouts list to private storage, once.

    A failed try is recorded on the task (staff see it) and raised, so the job machinery
    retries it after its delays; after the last try the task fails for good. A retried or
    duplicate job that finds the task finished does nothing.
    """
    task = tasks.claim(task_id)
    if task is None:
        return
    user_id, threshold = task.user_id, task.result["threshold"]
    locale = task.result.get("locale") or "id"
    try:
        with write_intent(False), force_locale(locale):  # reads only, maybe from the replica
            data, rows = payouts_csv(db.session.get(User, user_id), threshold)
        token = secrets.token_hex(16)
        key = f"{token[:2]}/payouts-{token}.csv"
        get_storage(private=True).put(key, data, "text/csv")
    except PermissionDenied:  # the person who asked is no longer staff: no retry helps
        db.session.rollback()
        _payouts_try_failed(task_id, _("You are no longer allowed to see payouts."), final=True)
        return
    except Exception as exc:
        db.session.rollback()
        _payouts_try_failed(task_id, f"{type(exc).__name__}: {exc}"[:300])
        raise
    db.session.rollback()  # end the reads: the write below takes the write lock up front
    with write_intent():
        task = tasks.locked(task_id)
        if task.finished:  # a duplicate job got here first
            get_storage(private=True).delete(key)
            return
        task.state, task.finished_at, task.file_key = "done", utcnow(), key
        task.progress = task.total = rows
        task.result = {**task.result, "rows": rows}
        db.session.commit()


def _payouts_try_failed(task_id: int, error: str, final: bool = False) -> None:
    """Record a failed try: back to waiting for the job's retry, or failed after the last."""
    with write_intent():
        task = tasks.locked(task_id)
        tries = task.result.get("tries", 0) + 1
        final = final or tries >= PAYOUTS_ATTEMPTS
        task.result = {**task.result, "tries": tries, "error": error}
        task.state = "failed" if final else "queued"
        if final:
            task.finished_at = utcnow()
        db.session.commit()
