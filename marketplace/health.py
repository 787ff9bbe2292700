"""Health of each part the site runs on: the database always, Redis and storage when set."""

import logging
from collections.abc import Callable

from flask import current_app
from sqlalchemy import text

from marketplace import jobs
from marketplace.extensions import db
from marketplace.storage import get_storage, uses_object_storage

log = logging.getLogger(__name__)


def _probe(name: str, check: Callable[[], object]) -> str:
    try:
        check()
    except Exception as exc:  # any failure of the part means "down", never a 500
        log.warning("Health check of %s failed: %s", name, exc)
        if name == "database":
            db.session.rollback()
        return "unreachable"
    return "ok"


def check_parts() -> dict[str, str]:
    """{"database": "ok"|"unreachable", "redis": ..., "storage": ...} for configured parts."""
    parts = {"database": _probe("database",
                                lambda: db.session.execute(text("SELECT 1")).scalar_one())}
    if current_app.config.get("REDIS_URL"):
        parts["redis"] = _probe("redis", lambda: jobs.redis_connection().ping())
    if uses_object_storage():
        parts["storage"] = _probe("storage", get_storage().ping)
    return parts
