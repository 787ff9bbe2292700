"""CSV product import as a background job: progress page, per-row result, one import per file."""

import io
import re

from sqlalchemy import func, select

from marketplace import jobs
from marketplace.models import BackgroundTask, Product, Variant
from marketplace.services.catalog import product_import
from marketplace.services.catalog.product_import import template_csv
from marketplace.storage import get_storage

BAD = b"title,category,weight_grams,sku,price,stock\nKeripik,keripik-camilan,100,S1,=1+1,3\n"


def _upload(client, data: bytes, **kwargs):
    return client.post("/vendor/products/import", data={
        "file": (io.BytesIO(data), "produk.csv")}, content_type="multipart/form-data",
        **kwargs)


def _count(db, model) -> int:
    db.session.remove()  # the test shares the requests' session: read what the job committed
    value = db.session.scalar(select(func.count()).select_from(model))
    db.session.remove()  # and hold no lock while a job writes (SQLite)
    return value


def test_upload_goes_to_a_progress_page_that_refreshes_until_done(
        client, login, make_store, categories, db, app, queued):
    store = make_store()
    login(store.owner)
    response = _upload(client, template_csv(example=True).encode())
    assert response.status_code == 302
    progress_url = response.headers["Location"]
    assert re.search(r"/vendor/products/import/\d+$", progress_url)
    page = client.get(progress_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and "Muat ulang" in page
    assert "Menunggu" in page and _count(db, Product) == 0
    task = db.session.scalar(select(BackgroundTask))
    assert get_storage(private=True).exists(task.file_key)  # kept until the job reads it
    db.session.remove()  # the test shares the requests' session: let the job write (SQLite)

    [(path, key, kwargs)] = [job for job in queued if job[1].startswith("product-import")]
    assert key == f"product-import-{task.id}"
    jobs.perform(path, kwargs, app=app)
    jobs.perform(path, kwargs, app=app)  # a retried job: nothing twice
    assert _count(db, Product) == 2 and _count(db, Variant) == 3
    page = client.get(progress_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' not in page
    assert "2 produk dengan 3 varian" in page
    english = client.get(progress_url + "?lang=en").get_data(as_text=True)
    assert "Imported 2 products with 3 variants" in english
    assert not get_storage(private=True).exists(task.file_key)


def test_bad_rows_are_listed_and_nothing_is_written(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    page = _upload(client, BAD, follow_redirects=True).get_data(as_text=True)
    assert '<td class="num">2</td>' in page and "price" in page
    assert "tidak ada yang diimpor" in page.lower()
    assert _count(db, Variant) == 0


def test_a_wrong_file_is_refused_at_once(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    response = _upload(client, b"title,price\nA,1000\n")
    assert response.status_code == 422 and "sku" in response.get_data(as_text=True)
    assert _count(db, BackgroundTask) == 0


def test_another_store_cannot_see_an_import(client, login, make_store, categories, db):
    store, other = make_store(), make_store()
    login(store.owner)
    location = _upload(client, template_csv(example=True).encode()).headers["Location"]
    login(other.owner)
    assert client.get(location).status_code == 404


def test_the_same_sku_uploaded_twice_is_refused_the_second_time(
        client, login, make_store, categories, db, app, queued):
    store = make_store()
    login(store.owner)
    data = template_csv(example=True).encode()
    _upload(client, data)
    _upload(client, data)
    first, second = [job for job in queued if job[1].startswith("product-import")]
    db.session.remove()  # the test shares the requests' session: let the job write (SQLite)
    jobs.perform(first[0], first[2], app=app)
    jobs.perform(second[0], second[2], app=app)
    assert _count(db, Variant) == 3
    task = db.session.get(BackgroundTask, second[2]["task_id"])
    assert task.state == "failed" and task.result["errors"]


def test_the_progress_counts_the_rows_checked(app, db, make_store, categories, monkeypatch):
    store = make_store()
    monkeypatch.setattr(product_import, "PROGRESS_EVERY", 2)
    seen = []
    real = product_import._set_task
    monkeypatch.setattr(product_import, "_set_task",
                        lambda task_id, **values: (seen.append(values.get("progress")),
                                                   real(task_id, **values)))
    rows = "".join(f"Kue {n},kue-roti,100,K-{n},5000,1\n" for n in range(5))
    data = ("title,category,weight_grams,sku,price,stock\n" + rows).encode()
    with app.test_request_context():
        task = product_import.start_import(store.owner, store, data)
        db.session.commit()
    assert task.total == 5
    assert [p for p in seen if p] == [2, 4]  # the job ran when the upload was committed
    task = db.session.get(BackgroundTask, task.id)
    assert (task.state, task.progress) == ("done", 5)


def test_rq_worker_imports_an_upload_once(client, login, make_store, categories, db, app,
                                          redis_server):
    app.config.update(JOBS_INLINE=False, REDIS_URL=redis_server.url)
    try:
        store = make_store()
        login(store.owner)
        location = _upload(client, template_csv(example=True).encode()).headers["Location"]
        task = db.session.scalar(select(BackgroundTask))
        db.session.remove()  # the test shares the requests' session: let the worker write
        key = f"product-import-{task.id}"
        jobs.enqueue(product_import.IMPORT_JOB, key=key, task_id=task.id)  # same key: one job
        assert jobs.rq_queue().job_ids.count(key) == 1 and _count(db, Product) == 0
        jobs.run_worker(app, burst=True, in_process=True)
        jobs.enqueue(product_import.IMPORT_JOB, key=key, task_id=task.id)  # run again: no-op
        jobs.run_worker(app, burst=True, in_process=True)
        assert _count(db, Product) == 2 and _count(db, Variant) == 3
        with app.app_context():  # a request of its own, as on another node
            assert "2 produk dengan 3 varian" in client.get(location).get_data(as_text=True)
    finally:
        app.config.update(JOBS_INLINE=True, REDIS_URL=None)
