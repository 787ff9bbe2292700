"""Email through a transactional outbox: queued with the change, delivered after it commits."""

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING_KEY = "outbox_pending"


def page_link(endpoint: str, **values) -> str:
    """The absolute address of a page, for an email: the request's host, else SERVER_NAME.

    A command run without SERVER_NAME (e.g. the demo seed) builds it against localhost, so the
    email still names the exact page.
    """
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context():
        return url_for(endpoint, _external=True, **values)


def queue_email(to: str, subject: str, body: str) -> OutboxMessage:
    """Record an email in the current transaction; it leaves only if the transaction commits."""
    message = OutboxMessage(to=to, subject=str(subject)[:200], body=str(body))
    db.session.add(message)
    db.session.info.setdefault(_PENDING_KEY, []).append(message)
    return message


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


@event.listens_for(Session, "after_commit")
def _deliver_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        # Ids are read from the identity map; the rows are committed, so a new connection sees them.
        deliver([m.id for m in pending if m.id is not None])


def deliver(ids: list[int]) -> None:
    """Send the given outbox messages by SMTP, or log them when no server is configured."""
    config = current_app.config
    with db.engine.begin() as conn:
        rows = conn.execute(
            OutboxMessage.__table__.select().where(
                OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None)
            )
        ).all()
    for row in rows:
        error = None
        try:
            if config.get("MAIL_SERVER"):
                _send_smtp(config, row.to, row.subject, row.body)
            else:
                log.info("Email to %s: %s\n%s", row.to, row.subject, row.body)
        except (OSError, smtplib.SMTPException) as exc:  # delivery retried by `flask mail retry`
            error = str(exc)
            log.warning("Email %s to %s failed: %s", row.id, row.to, exc)
        with db.engine.begin() as conn:
            conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id)
                .values(sent_at=None if error else utcnow(), error=error)
            )


def retry_unsent() -> int:
    """Deliver what an earlier failure left behind; returns how many were tried."""
    unsent = db.select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
    ids = list(db.session.scalars(unsent))
    deliver(ids)
    return len(ids)


def _send_smtp(config, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
