"""SQLite made safe for concurrent writers; PostgreSQL planning each statement for its values.

SQLite's driver starts transactions lazily and a reader that later writes can be refused with
"database is locked" without waiting. So transactions that intend to write begin with
BEGIN IMMEDIATE (they queue for the write lock up front), reads use WAL and never block writers.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

#: True while the current unit of work will write (set per request by the app, or by CLI code).
_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


def set_write_intent(value: bool) -> None:
    _write_intent.set(value)


@contextmanager
def write_intent(value: bool = True) -> Iterator[None]:
    """Use around work outside a request (CLI, threads) that writes, before its first query;
    `write_intent(False)` around reads that must not hold the write lock (a job's long check)."""
    token = _write_intent.set(value)
    try:
        yield
    finally:
        _write_intent.reset(token)


@event.listens_for(Engine, "connect")
def _configure_connection(dbapi_connection, _record) -> None:
    if type(dbapi_connection).__module__.startswith("psycopg"):
        # psycopg prepares a statement on its sixth run, and PostgreSQL may then keep one
        # generic plan for all values: for a filtered search at 1M products that plan walked
        # a province's stores (0.3-2.8 s) where the plan for the values read the index (20 ms).
        dbapi_connection.prepare_threshold = None
        # One process per statement: the app's requests already run side by side. For the
        # filtered, price-sorted search at 1M products the planner's parallel plan (three
        # processes walking the price index) also read five times the rows: 2 req/s under 20
        # concurrent requests, against 13 without. The programme's refresh and dashboard took
        # the same time either way. Set per connection (PgBouncer runs in session mode), not
        # per search, which would be a statement more on every search page.
        dbapi_connection.execute("SET max_parallel_workers_per_gather = 0")
        dbapi_connection.commit()
    elif type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
