"""Email through a transactional outbox: queued with the change, delivered by a job after commit.

The outbox row is written in the same transaction as the change that caused it; after the
commit a background job (RQ worker, or this process's job thread) sends it, so a request never
waits on SMTP or takes a second database connection for it. A row that could not be sent keeps
its error and stays unsent: the job is retried with backoff, `flask mail retry` (run on a timer)
sweeps anything a queue lost, and staff see what is still unsent.
"""

import logging
import smtplib
from contextlib import nullcontext
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from marketplace import jobs
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.models import OutboxMessage

log = logging.getLogger(__name__)
_PENDING_KEY = "outbox_pending"


def page_link(endpoint: str, **values) -> str:
    """The absolute address of a page, for an email: from SERVER_NAME and PREFERRED_URL_SCHEME,
    never from the request's Host header, which whoever sends the request chooses."""
    config = current_app.config
    adapter = current_app.url_map.bind(config.get("SERVER_NAME") or config["LOCAL_SERVER_NAME"],
                                       url_scheme=config["PREFERRED_URL_SCHEME"])
    return adapter.build(endpoint, values, force_external=True)


def email_links_configured() -> bool:
    """False in production (https) without SERVER_NAME: links would point at the local run."""
    config = current_app.config
    return bool(config.get("SERVER_NAME")) or config["PREFERRED_URL_SCHEME"] != "https"


def queue_email(to: str | None, subject: str, body: str) -> OutboxMessage | None:
    """Record an email in the current transaction; it leaves only if the transaction commits.

    Accounts a facilitator registered by phone may have no email yet: nothing is queued.
    """
    if not to:
        return None
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
    for message in pending or ():
        if message.id is not None:  # read from the identity map: the row is committed
            jobs.enqueue("marketplace.mail.deliver", key=f"mail-{message.id}",
                         message_id=message.id)


def deliver(message_id: int) -> bool:
    """Send one outbox message unless it was sent already; True if it was sent now.

    On PostgreSQL the row stays locked while SMTP runs and is marked in the same transaction,
    so a duplicate job waits and then finds it sent. SQLite has one write lock for the whole
    file, never held during SMTP: there the embedded setup's one job thread is the only sender.
    :raises OSError: delivery failed; the error is kept on the row and the job is retried.
    """
    locking = db.engine.dialect.name != "sqlite"
    query = select(OutboxMessage).where(OutboxMessage.id == message_id,
                                        OutboxMessage.sent_at.is_(None))
    with Session(db.engine, expire_on_commit=False) as session:
        with write_intent() if locking else nullcontext(), session.begin():
            row = session.scalar(query.with_for_update() if locking else query)
            if row is None:
                return False
            if locking:
                error = _send(row)
                _mark(session, message_id, error)
        if not locking:
            error = _send(row)
            with write_intent(), session.begin():
                _mark(session, message_id, error)
    if error:
        raise OSError(error)
    return True


def _mark(session: Session, message_id: int, error: str | None) -> None:
    session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                    .values(sent_at=None if error else utcnow(), error=error))


def _send(row: OutboxMessage) -> str | None:
    """Hand one message to SMTP (or the log); the error text if it failed."""
    config = current_app.config
    try:
        if config.get("MAIL_SERVER"):
            _send_smtp(config, row.to, row.subject, row.body)
        else:
            log.info("Email to %s: %s\n%s", row.to, row.subject, row.body)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("Email %s to %s failed: %s", row.id, row.to, exc)
        return str(exc)[:1000] or type(exc).__name__
    return None


def retry_unsent() -> int:
    """Deliver what an earlier failure or a lost job left behind; returns how many were sent."""
    unsent = db.select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))
    sent = 0
    for message_id in list(db.session.scalars(unsent)):
        try:
            sent += deliver(message_id)
        except OSError:
            continue  # recorded on the row; the next sweep tries again
    return sent


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
