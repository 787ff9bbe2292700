"""Cursor (keyset) pagination: a page ends with `next_cursor`, the last id it showed; the next
page continues below it, so rows added meanwhile never shift or repeat a page."""


def page_of(rows: list, limit: int) -> tuple[list, int | None]:
    """Rows fetched with limit + 1 -> (this page, the next cursor or None at the end)."""
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].id
    return rows, None
