"""The audit trail: one append-only row per staff action or money movement."""

import json
from contextvars import ContextVar

from marketplace.extensions import db
from marketplace.models import AuditEvent

#: The client address of the current request, set by the web layer; None for CLI runs.
acting_ip: ContextVar[str | None] = ContextVar("acting_ip", default=None)
#: How the current request acts when not through the web, e.g. "API: Aplikasi kasir" for a
#: request authenticated by that API token; None on the web and the CLI.
acting_via: ContextVar[str | None] = ContextVar("acting_via", default=None)


def _plain(values: dict | None) -> dict | None:
    # Dates, enums and decimals become strings so the row is valid JSON on both databases.
    return None if values is None else json.loads(json.dumps(values, default=str))


def record(actor, action: str, subject, before: dict | None = None,
           after: dict | None = None) -> AuditEvent:
    """Add an audit row in the current transaction, so it exists exactly when the change does."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        subject_type=type(subject).__name__.lower() if subject is not None else "system",
        subject_id=getattr(subject, "id", None),
        before=_plain(before),
        after=_plain(after),
        ip=acting_ip.get(),
        via=acting_via.get(),
    )
    db.session.add(event)
    return event
