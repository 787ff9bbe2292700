"""Reading the audit log: filters and pages for staff; nothing here changes a row."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.clock import JAKARTA
from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from marketplace.permissions import require

PAGE_SIZE = 50


@dataclass
class AuditPage:
    events: list[AuditEvent]
    page: int
    has_next: bool


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=JAKARTA)


def audit_events(staff: User, *, actor: str = "", action: str = "", subject_type: str = "",
                 subject_id: int | None = None, since: date | None = None,
                 until: date | None = None, page: int = 1) -> AuditPage:
    """Audit rows matching the filters, newest first, one page at a time.

    `actor` matches the start of the actor's email; `action` the start of the action name;
    `since` and `until` are Jakarta days, both included.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    stmt = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if actor.strip():
        stmt = stmt.join(User, User.id == AuditEvent.actor_id).where(
            func.lower(User.email).like(actor.strip().lower().replace("%", "") + "%"))
    if action.strip():
        stmt = stmt.where(AuditEvent.action.like(action.strip().replace("%", "") + "%"))
    if subject_type.strip():
        stmt = stmt.where(AuditEvent.subject_type == subject_type.strip().lower())
    if subject_id is not None:
        stmt = stmt.where(AuditEvent.subject_id == subject_id)
    if since:
        stmt = stmt.where(AuditEvent.created_at >= _day_start(since))
    if until:
        stmt = stmt.where(AuditEvent.created_at < _day_start(until + timedelta(days=1)))
    page = max(1, page)
    rows = list(db.session.scalars(
        stmt.order_by(AuditEvent.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return AuditPage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE)


def action_names() -> list[str]:
    """The distinct actions recorded so far (for the filter's suggestions)."""
    return list(db.session.scalars(select(AuditEvent.action).distinct()
                                   .order_by(AuditEvent.action)))
