"""Test harness: one app per run on SQLite or PostgreSQL (`--db`), clean tables per test."""

import os
import socket
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.search.service import forget_cached_words
from tests.support.postgres import Cluster
from tests.support.smtp import SMTPServer

pytest_plugins = [
    "tests.fixtures.accounts",
    "tests.fixtures.stores",
    "tests.fixtures.catalog",
    "tests.fixtures.orders",
    "tests.fixtures.staff",
]


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=("sqlite", "postgres"), default=os.environ.get("TEST_DB", "sqlite"),
        help="database the suite runs against (PostgreSQL: a throwaway local cluster)",
    )


def pytest_report_header(config):
    return f"database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def pg_cluster(db_kind):
    """The throwaway PostgreSQL cluster of this run (None on SQLite)."""
    if db_kind != "postgres":
        yield None
        return
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def new_database_url(pg_cluster, tmp_path_factory):
    """new_database_url(name) -> the URL of a new, empty database of this run's kind."""

    def make(name: str) -> str:
        if pg_cluster is None:
            return f"sqlite:///{tmp_path_factory.mktemp('db') / (name + '.db')}"
        return pg_cluster.create_database(name)

    return make


@pytest.fixture(scope="session")
def database_url(new_database_url):
    return new_database_url("pasar_test")


def settings_for_tests(database_url: str, media_dir: str) -> dict:
    """Settings for tests: fast hashing, no rate limits or CSRF (each has its own test)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MEDIA_DIR": media_dir,
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": None,
        "STRIPE_SECRET_KEY": None,
        "SERVER_NAME": None,
    }


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def app(database_url, media_dir):
    app = create_app(settings_for_tests(database_url, media_dir))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _clear_tables(db_kind: str) -> None:
    _db.session.remove()
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if db_kind == "postgres":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 (our table names)
    forget_cached_words()  # emptied behind the ORM's back: the search's caches would not know


@pytest.fixture
def db(app, db_kind):
    """The database, empty at the start of the test; also pushes an app context."""
    with app.app_context():
        yield _db
        _clear_tables(db_kind)


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def smtp_server(app):
    """A local SMTP server the app sends to for the duration of the test."""
    server = SMTPServer()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
    yield server
    app.config.update(MAIL_SERVER=None)
    server.stop()


_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and not (host in ("localhost", "::1") or str(host).startswith("127.")):
        raise OSError(f"network blocked in tests: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def block_network(request, monkeypatch):
    """Unit and web tests reach nothing beyond this machine's loopback."""
    if "e2e" not in request.keywords:
        monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def tmp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="pm-test-"))
