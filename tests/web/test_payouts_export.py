"""The payouts list for the bank is prepared by a background job: staff start it, follow its
page (refreshing without JavaScript) and download the file through the app, staff only."""

import re

import boto3
import pytest
from sqlalchemy import func, select

from marketplace import jobs
from marketplace.models import AuditEvent, BackgroundTask
from marketplace.services.programme import exports
from marketplace.storage import get_storage
from tests.web.test_payout_race import _post_at_once

#: What GET /staff/payouts.csv answered before the list became a job (the bank's format).
EXPECTED = ("\ufeffToko,Bank,Nomor rekening,Nama pemilik rekening,Jumlah\r\n"
            "Tenun Ibu Maria,BRI,0123456789,'=cmd|' /C calc'!A0,90000\r\n")


@pytest.fixture
def owed(db, paid_order, make_product, make_store):
    """A store owed Rp90.000 whose bank account holder's name starts with '='."""
    store = make_store(name="Tenun Ibu Maria", bank_account_holder="=cmd|' /C calc'!A0")
    order = paid_order(items=[(make_product(store=store, price=90_000), 1)])
    return order.store


class _Browser:
    """The test client with every request in an app context of its own, as on a server: no
    request leaves the test a session (or an SQLite lock) while a job writes."""

    def __init__(self, app, client) -> None:
        self.app, self.client = app, client

    def get(self, url: str, **kwargs):
        with self.app.app_context():
            return self.client.get(url, **kwargs)

    def post(self, url: str, **kwargs):
        with self.app.app_context():
            return self.client.post(url, **kwargs)


@pytest.fixture
def browser(app, client, login):
    """browser(user) -> the test client logged in as `user`, one app context per request."""

    def log_in(user):
        with app.app_context():
            login(user)
        return _Browser(app, client)

    return log_in


def _prepare(client, threshold: int = 50_000):
    return client.post("/staff/payouts/export", data={"threshold": str(threshold)})


def _tasks(db) -> list[BackgroundTask]:
    db.session.remove()  # read what the job committed
    tasks = list(db.session.scalars(select(BackgroundTask).order_by(BackgroundTask.id)))
    db.session.remove()  # and hold no lock while a job writes (SQLite)
    return tasks


def test_staff_prepares_the_list_and_downloads_the_same_csv_as_before(
        db, browser, owed, staff):
    client = browser(staff)
    page = client.get("/staff/payouts?threshold=50000").get_data(as_text=True)
    assert "Siapkan daftar untuk bank (CSV)" in page
    response = _prepare(client)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.search(r"/staff/payouts/export/\d+$", location)
    page = client.get(location).get_data(as_text=True)  # jobs run inline: already done
    assert 'http-equiv="refresh"' not in page and "Siap: 1 toko" in page
    [link] = re.findall(r'href="(/staff/payouts/export/\d+/payouts\.csv)"', page)
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert 'filename="payouts.csv"' in download.headers["Content-Disposition"]
    assert download.get_data(as_text=True) == EXPECTED
    [task] = _tasks(db)
    assert get_storage(private=True).get(task.file_key) == EXPECTED.encode()
    assert not get_storage().exists(task.file_key)  # never in the public area
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "export.payouts")) == 1
    listed = client.get("/staff/payouts?threshold=50000").get_data(as_text=True)
    assert location.removeprefix("http://localhost") in listed  # the page lists it
    english = client.get(location + "?lang=en").get_data(as_text=True)
    assert "Ready: 1 stores" in english and "Balances as of" in english


def test_the_old_address_leads_to_the_button(db, browser, owed, staff):
    client = browser(staff)
    response = client.get("/staff/payouts.csv?threshold=70000")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/payouts?threshold=70000")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "latar belakang" in page and 'name="threshold" value="70000"' in page


def test_starting_twice_while_waiting_is_one_list(db, app, browser, owed, staff, queued):
    client = browser(staff)
    first = _prepare(client).headers["Location"]
    assert _prepare(client).headers["Location"] == first
    page = client.get(first).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Menunggu giliran" in page and "Muat ulang" in page
    assert client.get(first + "/payouts.csv").status_code == 404  # nothing to download yet
    assert len(_tasks(db)) == 1
    keys = {key for _path, key, _kwargs in queued}
    assert len(keys) == 1  # queued again under the same key: one job
    path, key, kwargs = queued[0]
    before = {k for k, _t in list(get_storage(private=True).keys())}
    jobs.perform(path, kwargs, app=app)
    jobs.perform(path, kwargs, app=app)  # a retried or duplicate job: nothing twice
    [task] = _tasks(db)
    assert task.state == "done" and task.result["rows"] == 1
    after = {k for k, _t in list(get_storage(private=True).keys())}
    assert after - before == {task.file_key}
    assert client.get(first + "/payouts.csv").get_data(as_text=True) == EXPECTED
    another = _prepare(client, 1).headers["Location"]  # another threshold: another list
    assert another != first and len(_tasks(db)) == 2


def test_a_failed_try_is_retried_by_the_job_machinery(db, app, browser, owed, staff,
                                                      monkeypatch):
    storage = get_storage(private=True)
    real_put, calls = storage.put, []

    def flaky_put(key, data, content_type="image/webp"):
        calls.append(key)
        if len(calls) == 1:
            raise OSError("object store unreachable")
        real_put(key, data, content_type)

    monkeypatch.setattr(storage, "put", flaky_put)
    app.config.update(JOBS_INLINE=False, JOBS_RETRY_SCALE=0.01)  # the in-process runner
    try:
        client = browser(staff)
        location = _prepare(client).headers["Location"]
        assert jobs.drain_local(app, timeout=20)
    finally:
        app.config.update(JOBS_INLINE=True, JOBS_RETRY_SCALE=1.0)
    assert len(calls) == 2
    [task] = _tasks(db)
    assert task.state == "done" and task.result["tries"] == 1
    page = client.get(location).get_data(as_text=True)
    assert "Percobaan 1 dari 6 gagal: OSError: object store unreachable" in page  # history
    assert client.get(location + "/payouts.csv").get_data(as_text=True) == EXPECTED
    assert not [f for f in jobs.failed_jobs(app) if f.key.startswith("payouts-export")]


def test_failed_tries_are_shown_and_the_last_one_fails_the_list(
        db, app, browser, owed, staff, queued, monkeypatch):
    client = browser(staff)
    location = _prepare(client).headers["Location"]
    monkeypatch.setattr(get_storage(private=True), "put", lambda *a, **k: (_ for _ in ()).throw(
        OSError("bucket gone")))
    path, _key, kwargs = queued[0]
    with pytest.raises(OSError):
        jobs.perform(path, kwargs, app=app)
    page = client.get(location).get_data(as_text=True)  # waiting for the job's retry
    assert "Percobaan 1 dari 6 gagal: OSError: bucket gone" in page
    assert 'http-equiv="refresh"' in page and "Menunggu untuk mencoba lagi" in page
    for _try in range(exports.PAYOUTS_ATTEMPTS - 1):
        with pytest.raises(OSError):
            jobs.perform(path, kwargs, app=app)
    jobs.perform(path, kwargs, app=app)  # a stray retry after the end: nothing happens
    [task] = _tasks(db)
    assert task.state == "failed" and task.result["tries"] == exports.PAYOUTS_ATTEMPTS
    page = client.get(location).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page and "Gagal" in page
    assert "Percobaan 6 dari 6 gagal: OSError: bucket gone" in page
    assert "Siapkan daftar baru" in page
    assert client.get(location + "/payouts.csv").status_code == 404


@pytest.mark.parametrize("who", ["buyer", "vendor"])
def test_only_staff_start_see_and_download_a_list(db, browser, owed, staff, make_user,
                                                  who):
    other = owed.owner if who == "vendor" else make_user()
    client = browser(staff)
    location = _prepare(client).headers["Location"]
    client = browser(other)
    assert _prepare(client).status_code in (403, 404)
    assert client.get(location).status_code in (403, 404)
    assert client.get(location + "/payouts.csv").status_code in (403, 404)
    assert len(_tasks(db)) == 1
    client.post("/logout")
    assert client.get(location + "/payouts.csv").status_code == 302  # to the login page


def test_unknown_lists_and_bad_thresholds(db, browser, staff):
    client = browser(staff)
    assert client.get("/staff/payouts/export/999").status_code == 404
    assert client.get("/staff/payouts/export/999/payouts.csv").status_code == 404
    assert client.post("/staff/payouts/export", data={"threshold": "abc"}).status_code == 400
    assert client.post("/staff/payouts/export", data={"threshold": "-1"}).status_code == 400
    assert _tasks(db) == []


def test_the_list_lives_in_object_storage(db, browser, owed, staff, object_storage):
    client = browser(staff)
    location = _prepare(client).headers["Location"]
    s3 = boto3.client("s3", endpoint_url=object_storage.url, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    [name] = [o["Key"] for o in s3.list_objects_v2(Bucket="pasar-media")["Contents"]
              if "payouts-" in o["Key"]]
    assert name.startswith("private/")
    assert client.get(location + "/payouts.csv").get_data(as_text=True) == EXPECTED


def test_starting_needs_the_pages_csrf_token(app, db, browser, owed, staff):
    client = browser(staff)
    app.config.update(WTF_CSRF_ENABLED=True)
    try:
        assert _prepare(client).status_code == 400  # a forged cross-site POST
        page = client.get("/staff/payouts?threshold=50000").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
        response = client.post("/staff/payouts/export",
                               data={"threshold": "50000", "csrf_token": token})
        assert response.status_code == 303
    finally:
        app.config.update(WTF_CSRF_ENABLED=False)
    assert len(_tasks(db)) == 1


def test_an_rq_worker_prepares_the_list_once(app, db, browser, owed, staff, redis_server):
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    try:
        client = browser(staff)
        location = _prepare(client).headers["Location"]
        assert _prepare(client).headers["Location"] == location  # same task, same job key
        [task] = _tasks(db)
        assert jobs.rq_queue().job_ids.count(f"payouts-export-{task.id}") == 1
        assert "Menunggu giliran" in client.get(location).get_data(as_text=True)
        jobs.run_worker(app, burst=True, in_process=True)
        assert client.get(location + "/payouts.csv").get_data(as_text=True) == EXPECTED
    finally:
        app.config.update(JOBS_INLINE=True, REDIS_URL=None)


def test_many_presses_at_once_are_one_list(app, db, owed, staff, queued):
    staff_id = staff.id
    db.session.remove()
    codes = _post_at_once(app, staff_id, "/staff/payouts/export", [{"threshold": "50000"}] * 6)
    assert codes == [303] * 6
    assert len(_tasks(db)) == 1
