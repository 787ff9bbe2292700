"""Staff payouts and refund disputes over HTTP; nobody else may see or do them."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from marketplace.models import OrderStatus, Payout, RefundRequestStatus
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger


@pytest.fixture
def owed(db, paid_order, make_product, make_store):
    """A store owed Rp90.000 whose bank account holder's name starts with '='."""
    store = make_store(bank_account_holder="=cmd|' /C calc'!A0")
    order = paid_order(items=[(make_product(store=store, price=90_000), 1)])
    return order.store


@pytest.mark.parametrize("who", ["anonymous", "buyer", "vendor"])
def test_payout_pages_are_staff_only(db, client, login, owed, make_user, who):
    if who != "anonymous":
        login(owed.owner if who == "vendor" else make_user())
    for path in ("/staff/payouts", "/staff/payouts.csv", "/staff/disputes"):
        assert client.get(path).status_code in (302, 403)
    assert client.post("/staff/payouts/export").status_code in (302, 403)
    response = client.post(f"/staff/payouts/{owed.id}",
                           data={"amount": "1000", "reference": "TRF"})
    assert response.status_code in (302, 403)
    assert db.session.scalar(select(func.count()).select_from(Payout)) == 0


def test_staff_lists_exports_and_pays(db, client, login, owed, staff):
    login(staff)
    page = client.get("/staff/payouts?threshold=50000").get_data(as_text=True)
    assert owed.name in page and "Rp90.000" in page
    assert owed.name not in client.get("/staff/payouts?threshold=100000").get_data(as_text=True)
    prepared = client.post("/staff/payouts/export", data={"threshold": "50000"},
                           follow_redirects=True).get_data(as_text=True)
    [link] = re.findall(r'href="(/staff/payouts/export/\d+/payouts\.csv)"', prepared)
    exported = client.get(link).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[1][0] == owed.name and rows[1][3] == "'=cmd|' /C calc'!A0"
    assert rows[1][4] == "90000"
    response = client.post(f"/staff/payouts/{owed.id}",
                           data={"amount": "90000", "reference": "BRI 2026-11-27 001"})
    assert response.status_code == 302
    assert ledger.balance(owed) == 0
    after = client.get("/staff/payouts?threshold=1").get_data(as_text=True)
    assert "Tidak ada toko dengan saldo" in after and "Pencairan ke" in after


def test_payout_above_balance_is_refused(db, client, login, owed, staff):
    login(staff)
    response = client.post(f"/staff/payouts/{owed.id}",
                           data={"amount": "90001", "reference": "TRF"})
    assert response.status_code == 409
    assert "saldo" in response.get_data(as_text=True)
    for data in ({"amount": "-5", "reference": "TRF"}, {"amount": "abc", "reference": "TRF"},
                 {"amount": "1000", "reference": ""}):
        assert client.post(f"/staff/payouts/{owed.id}", data=data).status_code == 422
    assert client.post("/staff/payouts/999999", data={"amount": "1", "reference": "x"}
                       ).status_code == 404
    assert ledger.balance(owed) == 90_000


def test_staff_decides_a_dispute(db, client, login, order_in, staff):
    order = order_in(OrderStatus.DELIVERED)
    request = fulfilment.request_refund(order.buyer, order, "Tidak sesuai", 8000)
    fulfilment.decide_refund_request(order.store.owner, request, False, "Sudah sesuai")
    fulfilment.dispute_refund_request(order.buyer, request, "Warna beda")
    db.session.commit()
    login(staff)
    page = client.get("/staff/disputes").get_data(as_text=True)
    assert order.reference in page and "Warna beda" in page
    assert 'value="accept" required> Kembalikan dana pembeli</label>' in page
    assert client.post(f"/staff/disputes/{request.id}", data={"decision": "accept"}
                       ).status_code == 422
    response = client.post(f"/staff/disputes/{request.id}",
                           data={"decision": "accept", "note": "Foto menunjukkan beda"})
    assert response.status_code == 302
    db.session.expire_all()
    assert request.status == RefundRequestStatus.ACCEPTED
    assert ledger.balance(order.store) == order.total - 8000


def _stores_on(html: str) -> list[str]:
    return re.findall(r"<h3>([^<]+)</h3>", html)


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
    return found and found[1].replace("&amp;", "&")


def test_payouts_list_comes_in_pages_followed_by_plain_links(
        db, client, login, owed_stores, staff, monkeypatch):
    monkeypatch.setattr(ledger, "PAYOUTS_PER_PAGE", 4)
    login(staff)
    everyone = [store.name for store, _b in ledger.stores_to_pay(staff, 50_000)]
    first = client.get("/staff/payouts").get_data(as_text=True)  # the old address
    assert "Toko yang perlu dibayar: 6 · Jumlah terutang: Rp425.000" in first
    assert _stores_on(first) == everyone[:4] and _link(first, "prev") is None
    second = client.get(_link(first, "next")).get_data(as_text=True)
    assert _stores_on(second) == everyone[4:] and _link(second, "next") is None
    assert "Rp425.000" in second
    assert _stores_on(client.get(_link(second, "prev")).get_data(as_text=True)) == everyone[:4]
    # Paying the first store of the second page comes back to the rest of that page.
    [action] = re.findall(r'action="(/staff/payouts/\d+\?[^"]*after=[^"]+)"', second)[:1]
    response = client.post(action.replace("&amp;", "&"),
                           data={"amount": "60000", "reference": "BRI-0002"})
    assert response.status_code == 302 and "after=" in response.headers["Location"]
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert _stores_on(after) == everyone[5:] and "Rp365.000" in after


@pytest.mark.parametrize("query", ["after=abc", "after=60000", "before=-1-5",
                                   "after=1-99999999999", "after=1000000000000000000000-1",
                                   "after=60000-1&before=60000-1"])
def test_payouts_page_refuses_a_made_up_page_key(db, client, login, owed_stores, staff, query):
    login(staff)
    assert client.get(f"/staff/payouts?{query}").status_code == 400
