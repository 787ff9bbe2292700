"""The ministry API: programme figures, stores for nightly sync, sales, training, and the PKH
graduate roster upload, through the same services as the staff pages."""

import base64
from datetime import date, datetime

from flask import g
from flask_babel import gettext as _

from blueprints.api.auth import acting_user
from blueprints.api.openapi import RequestRejected, operation
from marketplace.clock import as_utc
from marketplace.errors import ValidationError
from marketplace.services import programme
from marketplace.validation import db_int, is_sane_date

PERSONAL_SCOPE = "personal:read"


# --- cursor over (updated_at, id) -------------------------------------------------------------

def _encode(stamp: datetime, store_id: int) -> str:
    text = f"{as_utc(stamp).isoformat()}|{store_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _instant(value: datetime, field: str) -> datetime:
    """A time the database can compare with (UTC); far-off years are a 400, not a 500."""
    try:
        moment = as_utc(value)
    except (OverflowError, ValueError):
        moment = None
    if moment is None or not is_sane_date(moment.date()):
        raise RequestRejected(400, _("Some fields are not valid."),
                              {field: _("This value is not valid.")})
    return moment


def _decode(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _sep, store_id = text.partition("|")
        moment, last_id = datetime.fromisoformat(stamp), db_int(store_id)
    except (ValueError, UnicodeDecodeError):
        moment, last_id = None, None
    if moment is None or last_id is None:
        raise RequestRejected(400, _("That cursor is not valid: use next_cursor as given."),
                              {"cursor": _("This value is not valid.")})
    return _instant(moment, "cursor"), last_id


# --- operations -------------------------------------------------------------------------------

@operation("GET", "/programme/figures", summary="Programme figures by month, province and "
           "category (the dashboard's numbers)", tag="ministry", scope="programme:read",
           response="ProgrammeFigures", query="FiguresQuery", errors=(422,))
def programme_figures(query):
    """The programme dashboard's figures for the last twelve months."""
    board = programme.figures(acting_user(), query.province)
    return {
        "province_code": board.province_code, "stores": board.stores, "totals": board.totals,
        "graduated_stores": board.graduation.get("total", 0),
        "by_month": [{"month": m["month"].isoformat()[:7], "new_stores": m["new_stores"],
                      "gmv": m["gmv"], "orders": m["orders"], "buyers": m["buyers"],
                      "stores_above_line": m["above"], "graduated_stores": m["graduated"]}
                     for m in board.by_month],
        "by_province": [{"province_code": p["code"], "verified_stores": p["verified"],
                         "gmv": p["gmv"], "orders": p["orders"], "buyers": p["buyers"],
                         "graduated_stores": p["graduated"]} for p in board.by_province],
        "by_category": [{"category": c["category"].slug, "units": c["units"], "gmv": c["gmv"]}
                        for c in board.by_category],
    }


@operation("GET", "/programme/stores", summary="Stores with verification and graduation "
           "status, changed since a time (incremental sync)", tag="ministry",
           scope="programme:read", response="MinistryStorePage", query="StoreSyncQuery")
def programme_stores(query):
    """Stores oldest change first; follow next_cursor until null, keep the last updated_at."""
    personal = PERSONAL_SCOPE in g.api_token.scope_list
    since = _instant(query.updated_since, "updated_since") if query.updated_since else None
    rows = programme.stores_changed(acting_user(), updated_since=since,
                                    after=_decode(query.cursor), limit=query.limit + 1,
                                    personal=personal)
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    next_cursor = _encode(*rows[-1]["_cursor"]) if more else None
    return {"items": [{k: v for k, v in r.items() if k != "_cursor"} for r in rows],
            "next_cursor": next_cursor}


@operation("GET", "/programme/sales", summary="Sales per month and province", tag="ministry",
           scope="programme:read", response="SalesList", query="SalesQuery", errors=(422,))
def programme_sales(query):
    """Orders, GMV and net sales per month and province (the programme summary)."""
    since = date.fromisoformat(query.since_month + "-01") if query.since_month else None
    return {"items": programme.monthly_sales(acting_user(), query.province, since)}


@operation("GET", "/programme/training", summary="Training attendance per month and province, "
           "and outcomes", tag="ministry", scope="programme:read", response="TrainingFigures",
           query="FiguresQuery", errors=(422,))
def programme_training(query):
    """Trainings and attendances; trained vs not-yet-trained stores by months since."""
    return programme.training_attendance(acting_user(), query.province)


@operation("POST", "/roster", summary="Upload the PKH graduate roster (all rows or none)",
           tag="ministry", scope="roster:write", response="RosterResult", body="RosterUpload",
           errors=(409, 503))
def upload_roster(body):
    """Upsert graduate households by NIK (kept only as a keyed hash); a bad row rejects all."""
    try:
        result = programme.import_roster(acting_user(), [r.model_dump() for r in body.households],
                                         source=f"API: {g.api_token.name}")
    except programme.RosterRejected as exc:
        # Rows are numbered from 0 here, as in the JSON list (the service counts a CSV header).
        raise ValidationError(exc.message, errors={
            f"households.{e.row - 2}": e.message for e in exc.result.errors}) from None
    return {"rows": result.rows, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged}
