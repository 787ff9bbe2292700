"""Test harness: one app per run on SQLite or PostgreSQL (`--db`), clean tables per test."""

import os
import re
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import event, func, select, text

from marketplace import create_app
from marketplace.extensions import db as _db
from marketplace.extensions import limiter
from marketplace.search.service import forget_cached_catalog
from tests.support.moto import MotoServer
from tests.support.postgres import Cluster
from tests.support.redis import RedisServer
from tests.support.smtp import SMTPServer

pytest_plugins = [
    "tests.fixtures.accounts",
    "tests.fixtures.stores",
    "tests.fixtures.catalog",
    "tests.fixtures.orders",
    "tests.fixtures.staff",
    "tests.fixtures.people",
    "tests.fixtures.api",
    "tests.fixtures.jobs",
]


#: Fixtures through which a test reaches the database of the run; a test that uses none of
#: them gives the same result on SQLite and PostgreSQL.
DATABASE_FIXTURES = frozenset({"app", "db", "module_db", "database_url", "new_database_url",
                               "pg_cluster", "db_kind"})

#: What `--part` keeps (`make test` runs the parts side by side; see the Makefile).
PARTS = {
    "all": "every test",
    "unit-web": "every test but the browser tests",
    "db": "the tests that use the database, without the browser tests",
    "browser": "only the browser tests",
}
#: Whether a part keeps the browser tests: only them (True), none of them (False), or both
#: kinds (None). The one place both the collection and the selection read it.
BROWSER_TESTS = {"all": None, "unit-web": False, "db": False, "browser": True}


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=("sqlite", "postgres"), default=os.environ.get("TEST_DB", "sqlite"),
        help="database the suite runs against (PostgreSQL: a throwaway local cluster)",
    )
    parser.addoption(
        "--part", choices=tuple(PARTS), default="all",
        help="which tests to keep: " + "; ".join(f"{k}: {v}" for k, v in PARTS.items()),
    )
    parser.addoption(
        "--cluster", action="store_true",
        help="run the cluster test (tests/cluster: PostgreSQL primary + replica, Redis, moto, "
             "two gunicorn nodes, a worker, nginx); only `make test-cluster` does, once",
    )


def _in_part(item, part: str) -> bool:
    if item.get_closest_marker("cluster") is not None:
        return item.config.getoption("--cluster")
    if item.get_closest_marker("postgres") is not None \
            and item.config.getoption("--db") != "postgres":
        return False
    kept = BROWSER_TESTS[part]
    if kept is not None and (item.get_closest_marker("e2e") is not None) != kept:
        return False
    return part != "db" or item.get_closest_marker("nodb") is None


_E2E = Path(__file__).parent / "e2e"


def pytest_ignore_collect(collection_path, config):
    """The browser run does not import the other test modules (it collected ~2,000 tests,
    building the route fuzz's app too, to keep 14); the other parts keep no browser test."""
    if collection_path.suffix != ".py" or collection_path.name == "conftest.py":
        return None
    kept = BROWSER_TESTS[config.getoption("--part")]
    return True if kept is not None and (_E2E in collection_path.parents) != kept else None


def pytest_itemcollected(item):
    """Mark the tests that touch no database (`nodb`; `-m nodb` selects them too)."""
    if not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
        item.add_marker(pytest.mark.nodb)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Keep the `--part` asked for (after the e2e marks of tests/e2e/conftest.py)."""
    part = config.getoption("--part")
    kept = [item for item in items if _in_part(item, part)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if not _in_part(i, part)])
        config.stash[_PART_DESELECTED] = True
        items[:] = kept


_PART_DESELECTED = pytest.StashKey[bool]()


def pytest_sessionfinish(session, exitstatus):
    # The selection (PYTEST_ARGS) had tests, all of them in other parts: nothing to do is a
    # pass here, not pytest's "no tests collected" (5), or `make test` would fail.
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.stash.get(
            _PART_DESELECTED, False):
        session.exitstatus = pytest.ExitCode.OK


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
        "MEDIA_PRIVATE_DIR": f"{media_dir}-private",
        "PASSWORD_HASH_METHOD": "scrypt:128:8:1",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_SERVER": None,
        "JOBS_INLINE": True,
        "REDIS_URL": None,
        "STRIPE_SECRET_KEY": None,
        "SERVER_NAME": None,
        "NIK_HASH_KEY": "test-nik-hash-key-0123456789abcdef0123456789",
    }


@pytest.fixture(autouse=True)
def _rate_limits_off_again():
    """The Limiter is one object for every app: a test that builds an app with limits on
    switches them on for the shared test app too, and later tests' logins met 429."""
    yield
    limiter.enabled = False


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("media"))


_WRITE_WORDS = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


class Writes:
    """How many statements that may change data the run's app has sent (one listener)."""

    count = 0

    @classmethod
    def look(cls, _conn, _cursor, statement: str, *_args) -> None:
        verb = statement.lstrip()[:6].upper().rstrip()
        if verb == "BEGIN":
            return
        # SELECT ... FOR UPDATE counts as a write too: a restore too many, never one too few.
        if verb not in ("SELECT", "WITH") or _WRITE_WORDS.search(statement):
            cls.count += 1


@pytest.fixture(scope="session")
def app(database_url, media_dir):
    app = create_app(settings_for_tests(database_url, media_dir))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        event.listen(_db.engine, "before_cursor_execute", Writes.look)
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _clear_tables(db_kind: str) -> None:
    # DELETE, not TRUNCATE: a test leaves a few rows, and PostgreSQL's TRUNCATE of every table
    # (new files for each) cost ~0.3 s per test where DELETE costs a few milliseconds.
    _db.session.remove()
    deletes = [f"DELETE FROM {t.name}"  # noqa: S608 (our table names)
               for t in reversed(_db.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if db_kind == "postgres":
            # One round trip for every table, and ids start at 1 again in every test, as they
            # do on SQLite (a statement per table cost ~0.1 s a test on a busy machine, 6x this).
            conn.exec_driver_sql("; ".join([
                *deletes,
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relkind = 'S' "
                "AND n.nspname = current_schema()",
            ]))
        else:
            for delete in deletes:  # sqlite3 runs one statement per call
                conn.exec_driver_sql(delete)
    forget_cached_catalog()  # emptied behind the ORM's back: the search's caches would not know


@pytest.fixture
def db(app, db_kind, request):
    """The database, empty at the start of the test; also pushes an app context."""
    if getattr(request.module, "_shares_module_db", False):
        pytest.fail("this module's tests share data built once (module_db); a test that uses "
                    "`db` empties the tables: put it in another module")
    with app.app_context():
        yield _db
        _clear_tables(db_kind)


@pytest.fixture(scope="module")
def module_db(app, db_kind, request):
    """The database for a module whose tests only read what module fixtures built once
    (e.g. `shared_search_corpus`); emptied after the module."""
    request.module._shares_module_db = True
    with app.app_context():
        yield _db
        _clear_tables(db_kind)


class Snapshot:
    """Every row of every table as it is now (and PostgreSQL's sequences): `restore()` puts
    them back, so each test of a module starts from the data a module fixture built once
    (ids included) without building it again. Nothing is done when no statement that may
    change data ran since the snapshot or the last restore (a test that only read)."""

    def __init__(self, db_kind: str) -> None:
        self.db_kind = db_kind
        _db.session.remove()
        with _db.engine.connect() as conn:
            self.rows = {
                table: [dict(zip(table.c.keys(), row, strict=True)) for row in
                        conn.execute(select(table).order_by(*table.primary_key))]
                for table in _db.metadata.sorted_tables
            }
            self.sequences = conn.execute(text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL",
            )).all() if db_kind == "postgres" else []
        self.writes = Writes.count

    def restore(self) -> None:
        if Writes.count == self.writes:
            return
        _clear_tables(self.db_kind)
        with _db.engine.begin() as conn:
            for table, rows in self.rows.items():  # parents first: sorted_tables
                if rows:
                    conn.execute(table.insert(), rows)
            if self.sequences:
                conn.exec_driver_sql("SELECT " + ", ".join(
                    f"setval('{name}', {value})" for name, value in self.sequences))
        forget_cached_catalog()
        self.writes = Writes.count


class _Row(NamedTuple):
    model: type
    id: int


def _reference(value):
    if isinstance(value, list):
        return [_reference(item) for item in value]
    return _Row(type(value), value.id) if isinstance(value, _db.Model) else value


def _load(reference):
    if isinstance(reference, list):
        return [_load(item) for item in reference]
    return _db.session.get(*reference) if isinstance(reference, _Row) else reference


def _row_counts() -> tuple[int, ...]:
    return tuple(_db.session.execute(select(*(
        select(func.count()).select_from(table).scalar_subquery()
        for table in _db.metadata.sorted_tables))).one())


def built_once(request, db_kind: str, build: Callable[[], dict]) -> dict:
    """For a fixture whose data every test of its module shares: `build()` (a dict of rows,
    lists of rows and plain values) runs for the first test that asks; the next ones get the
    database put back as it was then (Snapshot), ids included, and the rows loaded afresh.

    What fixtures had added before it (e.g. the categories a factory needs) must be the same
    in every test: a test that adds rows first would lose them to the restore, so it fails.
    """
    kept = request.module.__dict__.setdefault("_built_once", {})
    before = _row_counts()
    if request.fixturename in kept:
        references, snapshot, first = kept[request.fixturename]
        if before != first:
            pytest.fail(f"`{request.fixturename}` puts the whole database back: ask for it "
                        "before fixtures that add rows")
        snapshot.restore()
    else:
        references = {name: _reference(value) for name, value in build().items()}
        kept[request.fixturename] = references, Snapshot(db_kind), before
    return {name: _load(reference) for name, reference in references.items()}


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


@pytest.fixture(scope="session")
def redis_session():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def redis_server(redis_session):
    """Debian's redis-server for this run, emptied before each test that uses it."""
    redis_session.flush()
    return redis_session


@pytest.fixture(scope="session")
def moto_session():
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def object_storage(app, moto_session):
    """The app's media in a bucket of a local S3-compatible server (moto) for this test."""
    import boto3

    moto_session.reset()
    settings = {"MEDIA_S3_BUCKET": "pasar-media", "MEDIA_S3_ENDPOINT": moto_session.url,
                "MEDIA_S3_ACCESS_KEY": "test", "MEDIA_S3_SECRET_KEY": "test"}
    boto3.client("s3", endpoint_url=moto_session.url, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test",
                 ).create_bucket(Bucket="pasar-media")
    app.config.update(settings)
    yield moto_session
    app.config.update(dict.fromkeys(settings))


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
