"""Background jobs: email leaves the request, is retried, dead-lettered for staff, sent once."""

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace import create_app, jobs
from marketplace.extensions import db as _db
from marketplace.models import OutboxMessage, User
from tests.conftest import settings_for_tests
from tests.support.postgres import free_port
from tests.support.smtp import SMTPServer


@pytest.fixture
def background(app):
    """Jobs go to this process's job thread, as under `make run`."""
    app.config.update(JOBS_INLINE=False, JOBS_RETRY_SCALE=0.001)
    yield app
    jobs.drain_local(app)
    app.config.update(JOBS_INLINE=True, REDIS_URL=None, JOBS_RETRY_SCALE=1.0)


class _GatedInbox:
    """An SMTP server that holds every message until the test opens the gate."""

    def __init__(self, inbox) -> None:
        self.inbox, self.gate = inbox, threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.gate.wait, 20)
        return await self.inbox.handle_DATA(server, session, envelope)


def test_email_leaves_the_request_and_arrives_once(client, db, buyer, background,
                                                   smtp_server):
    gated = _GatedInbox(smtp_server.inbox)
    smtp_server.controller.handler = gated
    started = time.monotonic()
    page = client.post("/password/forgot", data={"email": buyer.email})
    assert page.status_code in (200, 302)
    assert time.monotonic() - started < 5  # the SMTP server is holding the message
    assert smtp_server.messages == []
    gated.gate.set()
    assert jobs.drain_local(background)
    assert [m["To"] for m in smtp_server.messages] == [buyer.email]
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


def test_failed_email_is_retried_then_shown_to_staff_and_sent_again(
        client, db, buyer, staff, login, background):
    background.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody there
    client.post("/password/forgot", data={"email": buyer.email})
    assert jobs.drain_local(background)
    message = db.session.scalar(select(OutboxMessage))
    assert message.sent_at is None and message.error
    db.session.rollback()  # end the test's read before the app writes (SQLite)
    assert f"mail-{message.id}" in {f.key for f in jobs.failed_jobs(background)}
    login(staff)
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert buyer.email in page and f"mail-{message.id}" in page
    assert "/staff/jobs" in client.get("/staff/").get_data(as_text=True)

    server = SMTPServer()
    try:
        background.config.update(MAIL_PORT=server.port)
        assert client.post("/staff/jobs/requeue-mail").status_code == 302
        db.session.rollback()  # the test shares the request's session: release SQLite's lock
        assert jobs.drain_local(background)
        client.post("/staff/jobs/requeue-mail")  # a second press changes nothing
        db.session.rollback()
        assert jobs.drain_local(background)
        assert [m["To"] for m in server.messages] == [buyer.email]
    finally:
        background.config.update(MAIL_SERVER=None)
        server.stop()


def test_staff_jobs_page_is_for_staff_only(client, db, buyer, login):
    login(buyer)
    assert client.get("/staff/jobs").status_code in (403, 404)
    assert client.post("/staff/jobs/requeue-mail").status_code in (403, 404)


def test_rq_worker_sends_queued_email_once(client, db, buyer, background, smtp_server,
                                           redis_server):
    background.config.update(REDIS_URL=redis_server.url)
    client.post("/password/forgot", data={"email": buyer.email})
    message_id = db.session.scalar(select(OutboxMessage.id))
    db.session.rollback()  # the test shares the request's session: release SQLite's lock
    jobs.enqueue("marketplace.mail.deliver", key=f"mail-{message_id}",
                 message_id=message_id)  # the same key again: still one job
    assert len(jobs.rq_queue()) == 1
    assert smtp_server.messages == []  # nothing was sent inside the request
    jobs.run_worker(background, burst=True, in_process=True)
    jobs.enqueue("marketplace.mail.deliver", key=f"mail-{message_id}",
                 message_id=message_id)  # after it ran: runs again and finds it sent
    jobs.run_worker(background, burst=True, in_process=True)
    assert [m["To"] for m in smtp_server.messages] == [buyer.email]
    assert db.session.get(OutboxMessage, message_id).sent_at is not None
    db.session.rollback()


def test_exhausted_pool_answers_503_before_writing(database_url, media_dir, db):
    settings = settings_for_tests(database_url, media_dir)
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 1, "max_overflow": 0,
                                             "pool_timeout": 1}
    busy = create_app(settings)
    with busy.app_context():
        held = _db.engine.connect()  # another request holds the only connection
        try:
            page = busy.test_client().post("/register", data={
                "name": "Sari", "email": "sari@contoh.id", "password": "Tenun2026ikat",
                "confirm": "Tenun2026ikat"})
        finally:
            held.close()
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        assert "sibuk" in page.get_data(as_text=True)
        _db.session.remove()
        assert _db.session.scalar(select(func.count()).select_from(User)) == 0
        _db.engine.dispose()


def test_a_process_that_ends_lets_the_jobs_it_queued_finish(tmp_path):
    """A CLI command without Redis (e.g. `flask programme refresh`, whose commit queues the
    people figures' job) ends only once its job thread has done what it queued."""
    import subprocess
    import sys

    done = tmp_path / "done"
    script = (
        "from marketplace import create_app, jobs\n"
        "from tests.conftest import settings_for_tests\n"
        f"settings = settings_for_tests('sqlite://', {str(tmp_path)!r})\n"
        "app = create_app({**settings, 'JOBS_INLINE': False})\n"
        "with app.app_context():\n"
        "    jobs.enqueue('tests.support.jobs.write_later', "
        f"file={str(done)!r}, seconds=0.5)\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60,
                   cwd=str(Path(__file__).parents[2]))
    assert done.read_text() == "done"
