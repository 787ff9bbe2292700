"""What background work left undone, for staff: undelivered email and failed jobs."""

from sqlalchemy import select

from marketplace import jobs
from marketplace.extensions import db
from marketplace.models import OutboxMessage, User
from marketplace.permissions import require
from marketplace.services.staff import audit


def unsent_messages(actor: User, limit: int = 100) -> list[OutboxMessage]:
    """Email not delivered yet, oldest first, with its last error (the dead-letter list).

    :raises PermissionDenied: the actor is not staff.
    """
    require(actor, "staff.work")
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
        .order_by(OutboxMessage.created_at).limit(limit)))


def failed_jobs(actor: User) -> list[jobs.FailedJob]:
    """Jobs that failed every retry, newest first.

    :raises PermissionDenied: the actor is not staff.
    """
    require(actor, "staff.work")
    return jobs.failed_jobs()


def requeue_unsent(actor: User) -> int:
    """Queue every undelivered email again (after the mail server is fixed); returns how many.

    :raises PermissionDenied: the actor is not staff.
    """
    require(actor, "staff.work")
    ids = list(db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))))
    audit.record(actor, "mail.requeue", None, after={"messages": len(ids)})
    for message_id in ids:
        jobs.enqueue("marketplace.mail.deliver", key=f"mail-{message_id}", message_id=message_id)
    return len(ids)
