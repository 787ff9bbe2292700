"""The vendor's home is a to-do page (issue 11, item 2): each waiting thing is counted and
links to the list where it is handled."""

from datetime import date, timedelta

import pytest

from marketplace.errors import PermissionDenied
from marketplace.models import OrderStatus as S
from marketplace.services.orders import fulfilment
from marketplace.services.reviews import ratings
from marketplace.services.stores.todo import vendor_todo
from tests.conftest import built_once
from tests.support.html import Page


@pytest.fixture
def busy_store(request, db, db_kind, order_in, shipping_store, make_product):
    """A store with one order in each waiting state, a refund request, an unanswered review,
    a nearly sold-out product and a P-IRT expiring in ten days (built once for the module)."""
    return built_once(request, db_kind, lambda: _build_busy_store(
        db, order_in, shipping_store, make_product))


def _build_busy_store(db, order_in, shipping_store, make_product) -> dict:
    store = shipping_store()
    product = make_product(store=store, title="Keripik Tempe", price=20000, stock=50)

    def order(status):
        return order_in(status, items=[(product, 1)])

    new, processing, delivered, refunded = (order(S.NEW), order(S.PROCESSING),
                                            order(S.DELIVERED), order(S.DELIVERED))
    ratings.create_review(delivered.buyer, delivered.lines[0], 5, "Renyah sekali")
    fulfilment.request_refund(refunded.buyer, refunded, "Bungkus sobek")
    make_product(store=store, title="Keripik Pisang", stock=2)
    make_product(store=store, title="Kerupuk Udang", pirt_number="206337401012324",
                 pirt_expires_on=date.today() + timedelta(days=10))
    db.session.commit()
    return {"store": store, "new": new, "processing": processing, "refunded": refunded}


def test_the_todo_gathers_what_waits(db, busy_store):
    store = busy_store["store"]
    todo = vendor_todo(store.owner, store)
    assert todo.counts["new"] == 1 and todo.counts["processing"] == 1
    assert todo.counts["shipped"] == 2  # delivered, waiting for the buyer's confirmation
    assert [o.reference for o, _ in todo.to_accept] == [busy_store["new"].reference]
    assert all(deadline is not None for _, deadline in todo.to_ship)
    assert [r.order_id for r in todo.refund_requests] == [busy_store["refunded"].id]
    assert [row.title for row in todo.low_stock] == ["Keripik Pisang"]
    assert todo.unanswered_reviews == 1
    assert [a.product.title for a in todo.permits] == ["Kerupuk Udang"]
    assert todo.balance > 0 and todo.week.current.orders == 4
    assert not todo.nothing_waits


def test_only_the_owner_sees_the_todo(db, busy_store, make_user):
    with pytest.raises(PermissionDenied):
        vendor_todo(make_user("buyer"), busy_store["store"])


def test_every_line_of_the_vendor_home_links_to_its_list(client, login, busy_store):
    login(busy_store["store"].owner)
    html = client.get("/vendor/").get_data(as_text=True)
    links = {a.attrs["href"]: a.name for a in Page(html).controls if a.tag == "a"}
    assert "Pesanan perlu diterima: 1" in links["/vendor/orders?tab=new"]
    assert "Pesanan perlu dikirim: 1" in links["/vendor/orders?tab=processing"]
    assert "Menunggu konfirmasi" in links["/vendor/orders?tab=shipped"]
    assert "Ulasan belum dibalas: 1" in links["/vendor/reviews?unanswered=1"]
    assert "Saldo" in links["/vendor/ledger"]
    assert "Penjualan 7 hari terakhir" in links["/vendor/sales?period=7"]
    refunded = busy_store["refunded"].reference
    assert links[f"/vendor/orders/{refunded}"].startswith("Permintaan pengembalian dana")
    assert "Keripik Pisang" in links.values() and "Kerupuk Udang" in links.values()
    assert "terima sebelum" in html and "kirim sebelum" in html


def test_the_unanswered_filter_lists_only_reviews_without_a_reply(db, client, login,
                                                                  busy_store):
    login(busy_store["store"].owner)
    assert "Renyah sekali" in client.get("/vendor/reviews?unanswered=1").get_data(as_text=True)
    review = ratings.store_reviews_query(busy_store["store"]).limit(1)
    ratings.reply_to_review(busy_store["store"].owner, db.session.scalar(review), "Terima kasih")
    db.session.commit()
    assert "Renyah sekali" not in client.get("/vendor/reviews?unanswered=1").get_data(
        as_text=True)
    assert "Renyah sekali" in client.get("/vendor/reviews").get_data(as_text=True)
