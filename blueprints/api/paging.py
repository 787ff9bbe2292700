"""Cursor pagination: the cursor is the last id of the page, opaque to clients (base64)."""

import base64

from flask_babel import gettext as _

from blueprints.api.openapi import RequestRejected
from marketplace.validation import db_int


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a page continues after, or None for the first page.

    :raises RequestRejected: a cursor this API did not hand out (400).
    """
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        text = ""
    last_id = db_int(text[3:]) if text.startswith("id:") else None
    if last_id is None:
        raise RequestRejected(400, _("That cursor is not valid: use next_cursor as given."),
                              {"cursor": _("This value is not valid.")})
    return last_id


def page_of(rows: list, limit: int) -> tuple[list, str | None]:
    """Rows fetched with limit + 1 -> (this page, the next cursor or None)."""
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].id)
    return rows, None
