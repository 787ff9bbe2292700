"""Sales dashboard, CSV downloads and statements over HTTP; the public statement check."""

import pytest

from marketplace.models import OrderStatus
from marketplace.services.payouts import sales


@pytest.fixture
def seller(db, order_in):
    order = order_in(OrderStatus.DELIVERED)
    return order.store, order


@pytest.mark.parametrize("path", ["/vendor/sales", "/vendor/sales/orders.csv",
                                  "/vendor/sales/products.csv", "/vendor/statements",
                                  "/vendor/ledger", "/vendor/reviews"])
def test_sales_pages_need_an_own_store(db, client, login, make_user, path):
    assert "/login" in client.get(path).headers["Location"]
    login(make_user())
    # One store_required for the whole vendor area: without a store, open one first.
    assert client.get(path).headers["Location"].endswith("/vendor/open")


def test_dashboard_renders_chart_and_table(db, client, login, seller):
    store, order = seller
    login(store.owner)
    page = client.get("/vendor/sales?period=7").get_data(as_text=True)
    assert '<svg' in page and 'role="img"' in page and "<title" in page and "<desc" in page
    assert "style=" not in page  # CSP: presentation attributes only
    assert page.count("<rect ") == 7
    assert "Rp40.000" in page  # the delivered order: 2 x Rp20.000
    assert "<table>" in page and "Produk terlaris" in page
    assert client.get("/vendor/sales?period=13").status_code == 422
    assert client.get("/vendor/sales?period=90&by=month").status_code == 200


def test_csv_downloads(db, client, login, seller):
    store, order = seller
    login(store.owner)
    response = client.get("/vendor/sales/orders.csv?period=30")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert order.reference in response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    products = client.get("/vendor/sales/products.csv?period=30").get_data(as_text=True)
    assert order.lines[0].title in products


def test_statement_print_and_check(db, client, login, seller, make_user):
    store, order = seller
    login(store.owner)
    months = client.get("/vendor/statements").get_data(as_text=True)
    month = order.paid_at.strftime("%Y-%m")
    assert f"/vendor/statements/{month}" in months
    page = client.get(f"/vendor/statements/{month}").get_data(as_text=True)
    code = sales.statement_for(store.owner, store, month).code
    assert code in page and store.name in page
    client.post("/logout")
    assert "/login" in client.get("/vendor/statements/verify").headers["Location"]
    login(make_user())  # e.g. a bank officer with an account
    ok = client.get("/vendor/statements/verify", query_string={"code": code})
    assert ok.status_code == 200 and "Laporan asli" in ok.get_data(as_text=True)
    bad = client.get("/vendor/statements/verify", query_string={"code": code[:-2] + "ZZ"})
    assert bad.status_code == 404 and store.name not in bad.get_data(as_text=True)
    assert client.get("/vendor/statements/verify").status_code == 200


def test_statement_of_another_store_is_not_reachable(db, client, login, seller, make_store):
    store, order = seller
    other = make_store()
    login(other.owner)
    month = order.paid_at.strftime("%Y-%m")
    page = client.get(f"/vendor/statements/{month}").get_data(as_text=True)
    assert store.name not in page  # the URL only ever shows the viewer's own store
