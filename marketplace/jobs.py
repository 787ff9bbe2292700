"""Background jobs: RQ on Redis when REDIS_URL is set, a thread of this process otherwise.

A job is a dotted path to a plain function and keyword arguments; it runs in an app context
and its session is committed when it returns. Jobs are at-least-once: each function is written
to be idempotent (email checks its outbox row under a lock), and a job `key` keeps a second
copy from being queued while the first is still waiting.

Why RQ rather than Dramatiq: RQ needs nothing but Redis, ships a worker that forks one child
per job (a job that crashes or is killed leaves the worker alive, and the job is retried), a
failed-job registry that is our dead-letter list, retries with per-attempt delays, and job ids
we use as idempotency keys; its jobs are plain functions, which keeps the domain free of
framework decorators.
"""

import atexit
import importlib
import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

log = logging.getLogger(__name__)

#: Seconds to wait before each retry; after the last one a job lands in the dead-letter list.
RETRY_DELAYS = (5, 30, 120, 600, 1800)
QUEUE_NAME = "default"
_PENDING = ("queued", "started", "scheduled", "deferred")


@dataclass
class FailedJob:
    """A job that used up its retries (the dead-letter list shown to staff)."""

    key: str
    path: str
    error: str
    failed_at: float = field(default_factory=time.time)


def enqueue(path: str, *, key: str | None = None, **kwargs) -> None:
    """Run `path(**kwargs)` in the background; never raises (a broken queue is logged).

    With JOBS_INLINE (tests) it runs at once, in this thread.
    """
    app = current_app._get_current_object()
    key = key or f"{path}:{sorted(kwargs.items())}"
    if app.config.get("JOBS_INLINE"):
        try:
            perform(path, kwargs, app=app)
        except Exception:
            log.exception("Job %s failed", key)
        return
    try:
        if app.config.get("REDIS_URL"):
            _enqueue_rq(app, path, key, kwargs)
        else:
            _local_runner(app).submit(path, key, kwargs)
    except Exception:  # Redis down: the work is still recorded (e.g. the outbox row) and swept
        log.exception("Could not queue job %s", key)


def enqueue_after_commit(path: str, *, key: str, **kwargs) -> None:
    """Queue a job once the current transaction commits (the job reads the rows it was
    queued with); forgotten if the transaction rolls back."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append((path, key, kwargs))


_AFTER_COMMIT = "jobs_after_commit"


# Leaving a SAVEPOINT (begin_nested) fires these hooks too: only the real transaction's end
# may queue (rows visible to the job) or forget (a rolled-back savepoint keeps the others).
@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for path, key, kwargs in session.info.pop(_AFTER_COMMIT, None) or ():
        enqueue(path, key=key, **kwargs)


@event.listens_for(Session, "after_rollback")
def _forget_uncommitted(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_AFTER_COMMIT, None)


def perform(path: str, kwargs: dict, app: Flask | None = None):
    """Run one job in its own app context and commit; what RQ and the thread call.

    A job that writes on SQLite declares it with `write_intent()` before its first query.
    """
    app = app or _worker_app or _create_app()
    module, _, name = path.rpartition(".")
    function = getattr(importlib.import_module(module), name)
    with app.app_context():
        if app is _worker_app:
            db.engine.dispose(close=False)  # a forked job never shares the parent's connections
        try:
            result = function(**kwargs)
            db.session.commit()
            return result
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def failed_jobs(app: Flask | None = None) -> list[FailedJob]:
    """The dead-letter list: jobs that failed every retry, newest first."""
    app = app or current_app._get_current_object()
    if not app.config.get("REDIS_URL"):
        return sorted(_local_runner(app).dead, key=lambda f: -f.failed_at)
    from rq.job import Job
    from rq.registry import FailedJobRegistry

    registry = FailedJobRegistry(queue=rq_queue(app))
    jobs = Job.fetch_many(registry.get_job_ids(), connection=registry.connection)
    result = []
    for job in filter(None, jobs):
        outcome = job.latest_result()
        trace = ((outcome.exc_string if outcome else None) or "").strip().splitlines()
        result.append(FailedJob(job.id, job.args[0] if job.args else "",
                                trace[-1] if trace else "",
                                job.ended_at.timestamp() if job.ended_at else 0.0))
    return sorted(result, key=lambda f: -f.failed_at)


# --- Redis (RQ) ----------------------------------------------------------------------------------

def redis_connection(app: Flask | None = None):
    """A client for REDIS_URL (one per process and URL; redis-py pools its connections)."""
    from redis import Redis

    url = (app or current_app).config["REDIS_URL"]
    client = _redis_clients.get(url)
    if client is None:
        client = _redis_clients[url] = Redis.from_url(url, socket_timeout=5,
                                                      socket_connect_timeout=2)
    return client


def rq_queue(app: Flask | None = None):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=redis_connection(app))


def _enqueue_rq(app: Flask, path: str, key: str, kwargs: dict) -> None:
    from rq import Retry
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    q = rq_queue(app)
    try:
        if Job.fetch(key, connection=q.connection).get_status() in _PENDING:
            return  # the same work is already waiting: idempotent by key
    except NoSuchJobError:
        pass
    q.enqueue(perform, path, kwargs, job_id=key, retry=Retry(max=len(RETRY_DELAYS),
              interval=list(RETRY_DELAYS)), failure_ttl=30 * 24 * 3600, result_ttl=3600,
              job_timeout=app.config.get("JOB_TIMEOUT", 600))


def run_worker(app: Flask, burst: bool = False, in_process: bool = False) -> None:
    """Work the queue until stopped (or until empty with `burst`), with RQ's scheduler.

    Each job runs in a forked child, as RQ does, unless `in_process`: a process with other
    threads (a test run) must not fork, as the child may wait forever for a lock that one of
    those threads held at the fork. There, job timeouts use a timer, not SIGALRM.
    """
    global _worker_app
    from rq import SimpleWorker, Worker
    from rq.timeouts import TimerDeathPenalty

    class InProcessWorker(SimpleWorker):
        death_penalty_class = TimerDeathPenalty

    _worker_app = app
    worker = (InProcessWorker if in_process else Worker)(
        [rq_queue(app)], connection=redis_connection(app),
        maintenance_interval=app.config.get("JOBS_MAINTENANCE_INTERVAL", 60))
    worker.work(burst=burst, with_scheduler=True)


_redis_clients: dict = {}
_worker_app: Flask | None = None


def _create_app() -> Flask:
    from marketplace.app import create_app

    return create_app()


# --- in-process fallback ---------------------------------------------------------------------

class _LocalRunner:
    """One daemon thread per process running jobs in order, with the same retry delays."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.jobs: queue.Queue = queue.Queue()
        self.pending: set[str] = set()
        self.dead: deque[FailedJob] = deque(maxlen=200)
        self.idle = threading.Condition()  # guards `pending`; notified when it empties
        threading.Thread(target=self._loop, name="jobs", daemon=True).start()

    def submit(self, path: str, key: str, kwargs: dict, attempt: int = 0) -> None:
        with self.idle:
            if attempt == 0 and key in self.pending:
                return
            self.pending.add(key)
        self.jobs.put((path, key, kwargs, attempt))

    def _loop(self) -> None:
        while True:
            path, key, kwargs, attempt = self.jobs.get()
            try:
                perform(path, kwargs, app=self.app)
            except Exception as exc:
                if attempt < len(RETRY_DELAYS):
                    log.warning("Job %s failed (attempt %d), retrying: %s", key, attempt + 1, exc)
                    timer = threading.Timer(self.app.config.get("JOBS_RETRY_SCALE", 1.0)
                                            * RETRY_DELAYS[attempt], self.submit,
                                            (path, key, kwargs, attempt + 1))
                    timer.daemon = True
                    timer.start()
                    continue
                log.exception("Job %s failed for good", key)
                self.dead.append(FailedJob(key, path, str(exc)))
            with self.idle:
                self.pending.discard(key)
                if not self.pending:
                    self.idle.notify_all()

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is pending (tests, shutdown); False on timeout."""
        with self.idle:
            return self.idle.wait_for(lambda: not self.pending, timeout)


#: How long an ending process waits for its in-process jobs.
EXIT_WAIT_SECONDS = 30.0
_runners: dict[int, _LocalRunner] = {}
_runners_lock = threading.Lock()


def _local_runner(app: Flask) -> _LocalRunner:
    with _runners_lock:
        runner = _runners.get(id(app))
        if runner is None:
            runner = _runners[id(app)] = _LocalRunner(app)
            # Without Redis the queue lives in this process: one that ends (a CLI command, a
            # server shutting down) first lets the jobs it queued finish, for a while.
            atexit.register(runner.drain, EXIT_WAIT_SECONDS)
        return runner


def drain_local(app: Flask, timeout: float = 10.0) -> bool:
    """Wait for this process's in-process jobs to finish."""
    return _local_runner(app).drain(timeout)
