"""Reads of the heavy read-only pages from a PostgreSQL streaming replica (DATABASE_REPLICA_URL).

`with read_replica():` routes every query the session runs inside it to the replica; flushes
(writes) still go to the primary, and without DATABASE_REPLICA_URL nothing changes. Use it only
around work that neither writes nor must see its own writes: the replica lags a little.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


@contextmanager
def read_replica() -> Iterator[None]:
    """Send the reads inside to the replica, when one is configured."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_engine() -> Engine | None:
    """The app's replica engine (made once), or None when no replica is configured."""
    app = current_app._get_current_object()
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return None
    engine = app.extensions.get("replica_engine")
    if engine is None or str(engine.url) != str(create_engine(url).url):
        options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        engine = app.extensions["replica_engine"] = create_engine(url, **options)
    return engine


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending reads inside `read_replica()` to the replica."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and _reading_replica.get() and not self._flushing:
            engine = replica_engine()
            if engine is not None:
                return engine
        return super().get_bind(mapper, clause=clause, bind=bind, **kwargs)
