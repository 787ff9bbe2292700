"""Vendor order desk over HTTP: tabs, actions, packing slip, ledger; who may do what."""

import pytest
from sqlalchemy import func, select

from marketplace.models import OrderEvent, OrderStatus, ShippingMethod
from tests.conftest import built_once

S = OrderStatus


@pytest.fixture
def desk(request, db, db_kind, order_in, make_store, make_user):
    """A processing courier order, the owner, another vendor and staff (built once for the
    module, put back for each test)."""

    def build() -> dict:
        order = order_in(S.PROCESSING, shipping=ShippingMethod.COURIER)
        return {"order": order, "owner": order.store.owner, "other": make_store().owner,
                "staff": make_user("staff"), "buyer": order.buyer}

    return built_once(request, db_kind, build)


def _events(db, order):
    return db.session.scalar(select(func.count()).select_from(OrderEvent)
                             .where(OrderEvent.order_id == order.id))


def _state(db, order):
    db.session.expire_all()
    fresh = db.session.get(type(order), order.id)
    return fresh.status, fresh.tracking_number, fresh.refunded_amount, _events(db, fresh)


ACTIONS = [
    ("accept", {}),
    ("ship", {"courier": "JNE", "tracking_number": "JNE0012345678"}),
    ("handover", {}),
    ("deliver", {}),
    ("cancel", {"reason": "Stok habis"}),
]


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other", "staff"])
@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_only_the_owner_may_act(db, client, login, desk, who, action, data):
    order = desk["order"]
    before = _state(db, order)
    if who != "anonymous":
        login(desk[who])
    response = client.post(f"/vendor/orders/{order.reference}/{action}", data=data)
    expected = {"anonymous": 302, "buyer": 302, "other": 404, "staff": 302}[who]
    assert response.status_code == expected
    if who == "anonymous":
        assert "/login" in response.headers["Location"]
    assert _state(db, order) == before


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other", "staff"])
@pytest.mark.parametrize("path", ["", "/slip"])
def test_pages_of_an_order_are_the_owners_only(db, client, login, desk, who, path):
    if who != "anonymous":
        login(desk[who])
    response = client.get(f"/vendor/orders/{desk['order'].reference}{path}")
    assert response.status_code in (302, 404)
    if response.status_code == 404:
        assert desk["order"].buyer.name not in response.get_data(as_text=True)


def test_order_desk_tabs_counts_and_late_highlight(db, client, login, order_in, make_product):
    order = order_in(S.NEW)
    store = order.store
    late = order_in(S.NEW, items=[(make_product(store=store), 1)])
    from datetime import timedelta

    late.paid_at = late.paid_at - timedelta(hours=30)
    db.session.commit()
    login(store.owner)
    page = client.get("/vendor/orders").get_data(as_text=True)
    assert order.reference in page and late.reference in page
    assert 'aria-current="page"' in page and "late-row" in page
    assert page.count('class="late-row"') == 1
    assert "Pesanan Baru" in page and "Dibatalkan" in page
    empty = client.get("/vendor/orders?tab=cancelled").get_data(as_text=True)
    assert order.reference not in empty
    assert client.get("/vendor/orders?tab=bogus").status_code == 404


def test_owner_ships_with_resi_and_sees_it_on_the_slip(db, client, login, desk):
    order = desk["order"]
    login(desk["owner"])
    detail = client.get(f"/vendor/orders/{order.reference}").get_data(as_text=True)
    assert "Nomor resi" in detail or "resi" in detail
    response = client.post(f"/vendor/orders/{order.reference}/ship",
                           data={"courier": "SiCepat", "tracking_number": "0041 2233 4455"})
    assert response.status_code == 302
    slip = client.get(f"/vendor/orders/{order.reference}/slip").get_data(as_text=True)
    assert "004122334455" in slip and order.lines[0].sku in slip


def test_resi_with_script_tags_is_refused_with_a_message(db, client, login, desk):
    order = desk["order"]
    before = _state(db, order)
    login(desk["owner"])
    response = client.post(f"/vendor/orders/{order.reference}/ship",
                           data={"courier": "JNE", "tracking_number": "<script>x</script>"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>x" not in body and "resi" in body
    assert _state(db, order) == before


def test_out_of_order_steps_give_a_clear_4xx(db, client, login, order_in):
    new = order_in(S.NEW, shipping=ShippingMethod.COURIER)
    login(new.store.owner)
    before = _state(db, new)
    response = client.post(f"/vendor/orders/{new.reference}/ship",
                           data={"courier": "JNE", "tracking_number": "JNE0012345678"})
    assert response.status_code == 409
    assert "tidak dapat" in response.get_data(as_text=True).lower() or "tidak" in \
        response.get_data(as_text=True)
    assert _state(db, new) == before


def test_cancel_after_delivery_is_refused(db, client, login, order_in):
    order = order_in(S.DELIVERED)
    login(order.store.owner)
    before = _state(db, order)
    response = client.post(f"/vendor/orders/{order.reference}/cancel", data={"reason": "x"})
    assert response.status_code == 409
    assert _state(db, order) == before


def test_cancel_without_reason_is_refused(db, client, login, order_in):
    order = order_in(S.NEW)
    login(order.store.owner)
    before = _state(db, order)
    response = client.post(f"/vendor/orders/{order.reference}/cancel", data={"reason": ""})
    assert response.status_code == 422
    assert _state(db, order) == before


def test_full_desk_flow_and_ledger_page(db, client, login, order_in):
    order = order_in(S.NEW, shipping=ShippingMethod.PICKUP)
    login(order.store.owner)
    assert client.post(f"/vendor/orders/{order.reference}/accept").status_code == 302
    assert client.post(f"/vendor/orders/{order.reference}/handover").status_code == 302
    db.session.expire_all()
    assert db.session.get(type(order), order.id).status == S.DELIVERED
    ledger_page = client.get("/vendor/ledger").get_data(as_text=True)
    assert "Rp40.000" in ledger_page and order.reference in ledger_page


def test_vendor_decides_a_refund_request(db, client, login, order_in):
    from marketplace.services.orders import fulfilment

    order = order_in(S.DELIVERED)
    request = fulfilment.request_refund(order.buyer, order, "Rusak", 5000)
    db.session.commit()
    login(order.store.owner)
    page = client.get(f"/vendor/orders/{order.reference}").get_data(as_text=True)
    assert "Rusak" in page
    bad = client.post(f"/vendor/orders/{order.reference}/refund-requests/{request.id}",
                      data={"decision": "reject", "note": ""})
    assert bad.status_code == 422
    ok = client.post(f"/vendor/orders/{order.reference}/refund-requests/{request.id}",
                     data={"decision": "accept", "note": "Maaf"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(order), order.id).refunded_amount == 5000


def test_another_vendors_refund_request_id_is_not_found(db, client, login, order_in):
    from marketplace.services.orders import fulfilment

    mine, theirs = order_in(S.DELIVERED), order_in(S.DELIVERED)
    request = fulfilment.request_refund(theirs.buyer, theirs, "Rusak", 5000)
    db.session.commit()
    login(mine.store.owner)
    response = client.post(f"/vendor/orders/{mine.reference}/refund-requests/{request.id}",
                           data={"decision": "accept"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(theirs), theirs.id).refunded_amount == 0


def test_vendor_replies_to_a_review_once(db, client, login, order_in, make_store):
    from marketplace.models import Review
    from marketplace.services.reviews import ratings

    order = order_in(S.COMPLETED)
    review = ratings.create_review(order.buyer, order.lines[0], 4, "Enak")
    db.session.commit()
    login(make_store().owner)
    assert client.post(f"/vendor/reviews/{review.id}/reply", data={"reply": "x"}
                       ).status_code == 404
    login(order.store.owner)
    page = client.get("/vendor/reviews").get_data(as_text=True)
    assert "Enak" in page and "4 dari 5 bintang" in page
    assert client.post(f"/vendor/reviews/{review.id}/reply", data={"reply": ""}
                       ).status_code == 422
    assert client.post(f"/vendor/reviews/{review.id}/reply",
                       data={"reply": "Terima kasih!"}).status_code == 302
    assert client.post(f"/vendor/reviews/{review.id}/reply",
                       data={"reply": "Lagi"}).status_code == 409
    db.session.expire_all()
    assert db.session.get(Review, review.id).reply == "Terima kasih!"


def test_cod_cash_received_credits_the_sale(db, client, login, make_order, make_store):
    from marketplace.services.payouts import ledger

    order = make_order().orders[0]  # COD, pickup
    login(make_store().owner)
    assert client.post(f"/vendor/orders/{order.reference}/cash-received").status_code == 404
    login(order.store.owner)
    assert client.post(f"/vendor/orders/{order.reference}/cash-received").status_code == 409
    client.post(f"/vendor/orders/{order.reference}/accept")
    client.post(f"/vendor/orders/{order.reference}/handover")
    page = client.get(f"/vendor/orders/{order.reference}").get_data(as_text=True)
    assert "Uang COD sudah diterima" in page
    assert client.post(f"/vendor/orders/{order.reference}/cash-received").status_code == 302
    assert ledger.balance(order.store) == order.total
    assert client.post(f"/vendor/orders/{order.reference}/cash-received").status_code == 409
    assert ledger.balance(order.store) == order.total
