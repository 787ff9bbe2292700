"""`flask housekeeping`: old API idempotency records, leftover import uploads and old payouts
lists go; recent ones, and uploads an import still waits for, stay."""

import os
import secrets
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from marketplace import jobs
from marketplace.clock import utcnow
from marketplace.models import BackgroundTask, IdempotentRequest
from marketplace.services.catalog import product_import
from marketplace.services.catalog.product_import import template_csv
from marketplace.storage import get_storage
from tests.fixtures.api import bearer

DAY = 24 * 3600


@pytest.fixture
def private_files(db):
    """Private storage without the CSV files other tests left (it lives for the whole run)."""
    storage = get_storage(private=True)
    for key, _mtime in list(storage.keys()):
        if key.endswith(".csv"):
            storage.delete(key)
    return storage


def _file(name: str, age_days: float) -> str:
    """A file in private storage written `age_days` ago; returns its key."""
    token = secrets.token_hex(16)
    key = f"{token[:2]}/{name}-{token}.csv"
    storage = get_storage(private=True)
    storage.put(key, b"title,sku\n", "text/csv")
    then = time.time() - age_days * DAY
    os.utime(storage.root / key, (then, then))
    return key


def _archive(client, auth, product_id: int, key: str):
    return client.post(f"/api/v1/vendor/products/{product_id}/archive",
                       headers={**auth, "Idempotency-Key": key})


def test_housekeeping_removes_what_is_past_its_retention(
        app, client, db, make_product, make_token, make_store, categories, monkeypatch,
        private_files):
    product = make_product(title="Keripik Tempe")
    auth = bearer(make_token(product.store.owner, ["store:write"]))
    product_id = product.id
    assert _archive(client, auth, product_id, "kemarin").status_code == 200
    assert _archive(client, auth, product_id, "barusan").status_code == 200
    db.session.execute(update(IdempotentRequest).where(IdempotentRequest.key == "kemarin")
                       .values(created_at=utcnow() - timedelta(hours=25)))
    # An import still waiting for a worker: its upload stays, however old.
    monkeypatch.setattr(jobs, "enqueue_after_commit", lambda *a, **k: None)
    store = make_store()
    waiting = product_import.start_import(store.owner, store, template_csv(example=True).encode())
    db.session.commit()
    storage = private_files
    os.utime(storage.root / waiting.file_key, (time.time() - 30 * DAY,) * 2)
    ended = BackgroundTask(kind="product_import", user_id=store.owner_id, store_id=store.id,
                           state="failed", file_key=_file("import", 9), result={})
    db.session.add(ended)  # an import whose upload was not removed when it ended
    db.session.commit()
    orphan, recent = _file("import", 8), _file("import", 1)
    old_list, new_list = _file("payouts", 8), _file("payouts", 2)
    ended_id, ended_key, waiting_id, waiting_key = ended.id, ended.file_key, waiting.id, \
        waiting.file_key
    db.session.remove()

    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 idempotency record(s), 2 import upload(s), 1 payouts list(s)." in (
        result.output)

    assert [r.key for r in db.session.scalars(select(IdempotentRequest))] == ["barusan"]
    assert "Idempotent-Replayed" in _archive(client, auth, product_id, "barusan").headers
    assert "Idempotent-Replayed" not in _archive(client, auth, product_id, "kemarin").headers
    for gone in (ended_key, orphan, old_list):
        assert not storage.exists(gone)
    for kept in (waiting_key, recent, new_list):
        assert storage.exists(kept)
    db.session.remove()
    assert db.session.get(BackgroundTask, ended_id).file_key is None
    assert db.session.get(BackgroundTask, waiting_id).file_key == waiting_key


def test_housekeeping_retentions_can_be_set(app, db, private_files):
    key, kept = _file("import", 3), _file("import", 1)
    db.session.remove()
    result = app.test_cli_runner().invoke(args=["housekeeping", "--upload-days", "2"])
    assert result.exit_code == 0 and "1 import upload(s)" in result.output
    assert not private_files.exists(key) and private_files.exists(kept)
    refused = app.test_cli_runner().invoke(args=["housekeeping", "--idempotency-hours", "0"])
    assert refused.exit_code == 2


def test_an_old_payouts_list_is_no_longer_downloadable(app, client, db, login, staff,
                                                       private_files):
    with app.app_context():  # each request in its own context: nothing held while the job runs
        login(staff)
        location = client.post("/staff/payouts/export", data={"threshold": "1"}
                               ).headers["Location"]
    db.session.remove()  # read what the job committed
    key = db.session.scalar(select(BackgroundTask.file_key))
    os.utime(private_files.root / key, (time.time() - 8 * DAY,) * 2)
    db.session.remove()
    assert app.test_cli_runner().invoke(args=["housekeeping"]).exit_code == 0
    with app.app_context():
        page = client.get(location).get_data(as_text=True)
        assert "Sudah tidak disimpan" in page and "disimpan selama 7 hari" in page
        assert client.get(location + "/payouts.csv").status_code == 404


def test_housekeeping_refreshes_sqlite_planner_statistics(app, db, make_product):
    """SQLite picks the index of each listing order by these figures: without them it walked
    the price index for every search sorted by price. PostgreSQL gathers its own."""
    make_product(title="Keripik Tempe")
    make_product(title="Kain Tenun")
    sqlite = db.engine.dialect.name == "sqlite"
    if sqlite:
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    db.session.commit()
    db.session.remove()

    result = app.test_cli_runner().invoke(args=["housekeeping"])
    assert result.exit_code == 0, result.output
    assert ("Refreshed the database's planner statistics." in result.output) == sqlite
    if sqlite:
        # Rows in the index, then rows per status and hidden flag, per price.
        assert db.session.scalar(text(
            "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_products_by_price'")
        ).startswith("2 ")
