"""Exports (payouts, programme data, vendor sales CSV) read from DATABASE_REPLICA_URL."""

import re

import pytest
from sqlalchemy import create_engine, func, select

from marketplace.extensions import db as _db
from marketplace.models import AuditEvent


@pytest.fixture
def empty_replica(app, db, new_database_url, request):
    """A "replica" with the schema and no rows: what an export shows tells where it read."""
    url = new_database_url(f"replica_{request.node.name[-20:].lower()}")
    copy = create_engine(url)
    _db.metadata.create_all(copy)
    copy.dispose()
    yield lambda: app.config.update(DATABASE_REPLICA_URL=url)
    app.config["DATABASE_REPLICA_URL"] = None
    engine = app.extensions.pop("replica_engine", None)
    if engine is not None:
        engine.dispose()


@pytest.fixture
def owed(db, paid_order, make_product, make_store):
    store = make_store(name="Tenun Ibu Maria")
    order = paid_order(items=[(make_product(store=store, price=90_000), 1)])
    return order


def _payouts_list(client) -> str:
    """The payouts list for the bank, prepared by its job (inline here) and downloaded."""
    page = client.post("/staff/payouts/export", data={"threshold": "1"},
                       follow_redirects=True).get_data(as_text=True)
    [link] = re.findall(r'href="(/staff/payouts/export/\d+/payouts\.csv)"', page)
    return client.get(link).get_data(as_text=True)


def test_exports_read_the_replica(client, login, staff, owed, empty_replica, db):
    store = owed.store
    login(staff)
    export = {"kind": "stores", "fmt": "csv", "province_code": ""}
    assert store.name in _payouts_list(client)
    assert store.name in client.post("/staff/exports", data=export).get_data(as_text=True)
    login(store.owner)
    assert owed.reference in client.get("/vendor/sales/orders.csv?period=30").get_data(
        as_text=True)
    audits = db.session.scalar(select(func.count()).select_from(AuditEvent))

    empty_replica()
    response = client.get("/vendor/sales/orders.csv?period=30")
    assert response.status_code == 200 and owed.reference not in response.get_data(as_text=True)
    login(staff)
    assert store.name not in _payouts_list(client)  # the job read the replica
    response = client.post("/staff/exports", data=export)
    assert response.status_code == 200 and store.name not in response.get_data(as_text=True)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > audits  # primary
