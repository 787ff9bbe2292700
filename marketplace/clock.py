"""Time: stored in UTC, shown in Asia/Jakarta."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    """Aware UTC now; the one clock every default and service uses."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def to_jakarta(value: datetime) -> datetime:
    return as_utc(value).astimezone(JAKARTA)
