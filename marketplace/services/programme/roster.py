"""The PKH graduate roster: import households from the ministry, match store owners by NIK.

A NIK (Nomor Induk Kependudukan) never reaches the database, the log or an error message: it
is checked for shape, then kept only as HMAC-SHA256 under NIK_HASH_KEY. An import is
all-or-nothing: every row is checked first, and one bad row rejects the whole file with the
list of bad rows, so a half-imported roster cannot exist. Rows are upserted on the hash, so
importing the same file twice changes nothing the second time.
"""

import csv
import hashlib
import hmac
import io
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.clock import utcnow
from marketplace.errors import Conflict, ServiceUnavailable, ValidationError
from marketplace.extensions import db
from marketplace.models import RosterHousehold, RosterImport, Store, User
from marketplace.permissions import require
from marketplace.regions import PROVINCES
from marketplace.services.staff import audit

MAX_ROWS = 200_000
#: Shortest NIK_HASH_KEY accepted: a short key could be found by trying every NIK with it.
MIN_KEY_LENGTH = 32
#: Column names accepted in a file (English or the ministry's Indonesian headers).
COLUMN_NAMES = {
    "nik": "nik",
    "name": "name", "nama": "name",
    "province_code": "province_code", "kode_provinsi": "province_code",
    "regency": "regency", "kabupaten_kota": "regency",
    "graduated_on": "graduated_on", "tanggal_lulus": "graduated_on",
}
REQUIRED = ("nik", "name", "province_code", "regency", "graduated_on")
#: Bad rows listed to the uploader; the count covers them all.
MAX_REPORTED_ERRORS = 200
_CHUNK = 900  # bound parameters per IN (...): under SQLite's limit


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    duration_ms: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def rows_per_second(self) -> int:
        return int(self.rows * 1000 / self.duration_ms) if self.duration_ms else self.rows


class RosterRejected(ValidationError):
    """The file had bad rows; nothing of it was written. `result.errors` lists them."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__(_("%(n)d rows have errors; nothing was imported. Correct them and "
                           "upload the whole file again.", n=result.error_count))
        self.result = result


# --- NIK ------------------------------------------------------------------------------------

def nik_problem(nik: str) -> str | None:
    """Why this is not a plausible NIK (a translated message that never repeats it), or None.

    16 digits: province (a real province code), regency/city (01-99), district, birth date
    (day 01-31, or 41-71 for women, month 01-12, year), serial (not 0000).
    """
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        return _("The NIK must be exactly 16 digits.")
    if nik[:2] not in PROVINCES or nik[2:4] == "00":
        return _("The first digits of the NIK are not a known province and regency.")
    day, month = int(nik[6:8]), int(nik[8:10])
    if not (1 <= day <= 31 or 41 <= day <= 71) or not 1 <= month <= 12:
        return _("The birth date part of the NIK (digits 7 to 12) is not a valid date.")
    if nik[12:] == "0000":
        return _("The last four digits of the NIK cannot be 0000.")
    return None


def _key() -> bytes:
    key = current_app.config.get("NIK_HASH_KEY") or ""
    if len(key) < MIN_KEY_LENGTH:
        raise ServiceUnavailable(_("NIK checks are not set up on this server yet (the NIK hash "
                                   "key is missing). Please contact the ministry staff."))
    return key.encode()


def nik_hash(nik: str, key: bytes | None = None) -> str:
    """The keyed hash stored in place of a NIK.

    :raises ServiceUnavailable: NIK_HASH_KEY is missing or too short.
    """
    return hmac.new(key or _key(), nik.encode(), hashlib.sha256).hexdigest()


def _clean_nik(value) -> str:
    # People paste NIKs with spaces or dots between the groups of digits.
    return "".join(ch for ch in str(value or "") if ch not in " .-\t")


# --- reading files ----------------------------------------------------------------------------

def read_rows(data: bytes, filename: str = "") -> list[dict]:
    """The rows of an uploaded CSV or JSON file as dicts of text, by canonical column name.

    :raises ValidationError: not UTF-8, not CSV/JSON, missing columns, too many rows, empty.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("The file is not UTF-8 text. Save it as CSV (UTF-8) or JSON."),
                              field="file") from None
    stripped = text.lstrip()
    if filename.lower().endswith(".json") or stripped.startswith(("[", "{")):
        rows = _json_rows(stripped)
    else:
        rows = _csv_rows(text)
    if not rows:
        raise ValidationError(_("The file has no rows."), field="file")
    if len(rows) > MAX_ROWS:
        raise ValidationError(_("At most %(n)d rows per file.", n=MAX_ROWS), field="file")
    return rows


def _canonical(record: dict) -> dict:
    return {COLUMN_NAMES[k.strip().lower()]: v for k, v in record.items()
            if isinstance(k, str) and k.strip().lower() in COLUMN_NAMES}


def _missing_columns(names) -> None:
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise ValidationError(_("Columns missing: %(columns)s.", columns=", ".join(missing)),
                              field="file")


def _csv_rows(text: str) -> list[dict]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    _missing_columns({COLUMN_NAMES.get((n or "").strip().lower()) for n in reader.fieldnames or ()})
    try:
        return [_canonical(record) for record in reader]
    except csv.Error:
        raise ValidationError(_("The CSV file could not be read."), field="file") from None


def _json_rows(text: str) -> list[dict]:
    try:
        value = json.loads(text)
    except ValueError:
        raise ValidationError(_("The JSON file could not be read."), field="file") from None
    if isinstance(value, dict):
        value = value.get("households")
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise ValidationError(_("The JSON must be a list of households (objects)."),
                              field="file")
    rows = [_canonical(r) for r in value]
    if rows:
        _missing_columns(set().union(*(r.keys() for r in rows)))
    return rows


# --- checking and importing -----------------------------------------------------------------

def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _check_row(record: dict) -> tuple[dict | None, str | None]:
    """(values with the NIK still raw, None) or (None, why the row is wrong)."""
    nik = _clean_nik(record.get("nik"))
    problem = nik_problem(nik)
    if problem:
        return None, problem
    name = " ".join(_text(record.get("name")).split())
    if not name or len(name) > 120:
        return None, _("The name is required (at most 120 characters).")
    province = _text(record.get("province_code")).zfill(2)
    if province not in PROVINCES:
        return None, _("Unknown province code.")
    regency = " ".join(_text(record.get("regency")).split())
    if not regency or len(regency) > 120:
        return None, _("The regency or city is required (at most 120 characters).")
    try:
        graduated_on = date.fromisoformat(_text(record.get("graduated_on")))
    except ValueError:
        return None, _("The graduation date must be a date like 2025-06-30.")
    if not date(2007, 1, 1) <= graduated_on <= utcnow().date():
        return None, _("The graduation date must be between 2007 (when PKH began) and today.")
    return {"nik": nik, "name": name, "province_code": province, "regency": regency,
            "graduated_on": graduated_on}, None


def check_rows(records: list[dict]) -> tuple[dict[str, dict], ImportResult]:
    """Every row checked and hashed: ({hash: values}, result with the bad rows).

    Row numbers count the header as row 1 for CSV, as a spreadsheet shows them.

    :raises ServiceUnavailable: NIK_HASH_KEY is missing.
    """
    key = _key()
    result = ImportResult(rows=len(records))
    households: dict[str, dict] = {}
    first_row: dict[str, int] = {}

    def fail(number: int, message: str) -> None:
        result.error_count += 1
        if len(result.errors) < MAX_REPORTED_ERRORS:
            result.errors.append(RowError(number, message))

    for number, record in enumerate(records, start=2):
        values, problem = _check_row(record)
        if problem:
            fail(number, problem)
            continue
        digest = nik_hash(values.pop("nik"), key)
        if digest in households:
            fail(number, _("The same NIK is already on row %(row)d.", row=first_row[digest]))
            continue
        households[digest] = values
        first_row[digest] = number
    return households, result


def import_roster(actor: User, records: list[dict], source: str = "web") -> ImportResult:
    """Upsert the roster's households from checked rows, all or nothing.

    :raises PermissionDenied: the actor is not staff.
    :raises ServiceUnavailable: NIK_HASH_KEY is missing.
    :raises RosterRejected: some rows are wrong (nothing written; `.result.errors`).
    :raises Conflict: another import wrote the same households at the same moment.
    """
    require(actor, "staff.work")
    started = time.perf_counter()
    households, result = check_rows(records)
    if result.error_count:
        raise RosterRejected(result)
    existing = _existing(list(households))
    now = utcnow()
    new_rows, changed_rows = [], []
    for digest, values in households.items():
        current = existing.get(digest)
        if current is None:
            new_rows.append({"nik_hash": digest, **values, "created_at": now, "updated_at": now})
        elif current[1:] != (values["name"], values["province_code"], values["regency"],
                             values["graduated_on"]):
            changed_rows.append({"id": current[0], **values, "updated_at": now})
    try:
        if new_rows:
            db.session.execute(insert(RosterHousehold), new_rows)
        if changed_rows:
            db.session.execute(update(RosterHousehold), changed_rows)
            _stores_changed([row["id"] for row in changed_rows], now)
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("Another roster import is running. Please upload again in a "
                         "minute.")) from None
    result.created, result.updated = len(new_rows), len(changed_rows)
    result.unchanged = len(households) - result.created - result.updated
    result.duration_ms = max(1, int((time.perf_counter() - started) * 1000))
    db.session.add(RosterImport(actor_id=actor.id, source=source[:120], rows=result.rows,
                                created=result.created, updated=result.updated,
                                unchanged=result.unchanged, duration_ms=result.duration_ms))
    audit.record(actor, "roster.import", None, None, {
        "source": source, "rows": result.rows, "created": result.created,
        "updated": result.updated, "unchanged": result.unchanged})
    db.session.flush()
    return result


def _stores_changed(household_ids: list[int], now: datetime) -> None:
    """Matched stores whose household changed show up in the ministry's nightly sync."""
    for start in range(0, len(household_ids), _CHUNK):
        db.session.execute(
            update(Store).where(Store.id.in_(
                select(RosterHousehold.store_id).where(
                    RosterHousehold.id.in_(household_ids[start:start + _CHUNK]),
                    RosterHousehold.store_id.is_not(None))))
            .values(updated_at=now).execution_options(synchronize_session=False))


def _existing(digests: list[str]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    h = RosterHousehold
    for start in range(0, len(digests), _CHUNK):
        chunk = digests[start:start + _CHUNK]
        for row in db.session.execute(
                select(h.nik_hash, h.id, h.name, h.province_code, h.regency, h.graduated_on)
                .where(h.nik_hash.in_(chunk))):
            found[row[0]] = tuple(row[1:])
    return found


def roster_figures(actor: User) -> dict:
    """Households on the roster, stores matched to one, and the latest imports."""
    require(actor, "staff.work")
    return {
        "households": db.session.scalar(select(func.count()).select_from(RosterHousehold)),
        "matched": db.session.scalar(select(func.count()).select_from(RosterHousehold).where(
            RosterHousehold.store_id.is_not(None))),
        "imports": list(db.session.scalars(
            select(RosterImport).order_by(RosterImport.id.desc()).limit(10))),
    }


# --- matching a store owner ---------------------------------------------------------------------

def match_owner(owner: User, store: Store, nik: str) -> RosterHousehold:
    """Mark the store as run by a verified PKH graduate when the owner's NIK is on the roster.

    :raises PermissionDenied: the actor is not the store's owner.
    :raises ValidationError: not a plausible NIK, or not on the roster.
    :raises Conflict: that household is already matched to another store.
    :raises ServiceUnavailable: NIK_HASH_KEY is missing.
    """
    require(owner, "store.identity", store)
    nik = _clean_nik(nik)
    problem = nik_problem(nik)
    if problem:
        raise ValidationError(problem, field="nik")
    household = db.session.scalar(select(RosterHousehold).where(
        RosterHousehold.nik_hash == nik_hash(nik)))
    if household is None:
        raise ValidationError(_("This NIK is not on the PKH graduate roster. Check the number, "
                                "or ask your facilitator whether your household is listed."),
                              field="nik")
    if household.store_id not in (None, store.id):
        raise Conflict(_("This household is already linked to another store. Please contact "
                         "the ministry staff."))
    if household.store_id is None:
        previous = store.pkh_household
        if previous is not None:  # she entered another household's NIK before
            previous.store_id, previous.matched_at = None, None
            db.session.flush()
        # Conditional, so of two stores claiming one household at once exactly one wins.
        claimed = db.session.execute(
            update(RosterHousehold).where(RosterHousehold.id == household.id,
                                          RosterHousehold.store_id.is_(None))
            .values(store_id=store.id, matched_at=utcnow())
            .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            raise Conflict(_("This household is already linked to another store. Please "
                             "contact the ministry staff."))
        db.session.refresh(household)
        db.session.expire(store, ["pkh_household"])
        store.updated_at = utcnow()  # the ministry's sync (updated_since) must see the match
        audit.record(owner, "store.pkh_match", store, None, {"household_id": household.id})
        db.session.flush()
    return household
