"""Buyer actions over HTTP: confirm receipt, cancel, refund request, dispute, review."""

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from marketplace.models import (
    Order,
    OrderStatus,
    Product,
    RefundRequest,
    RefundRequestStatus,
    Review,
)
from marketplace.services.orders import fulfilment
from tests.fixtures.catalog import photo_bytes

S = OrderStatus


def _status(db, order):
    db.session.expire_all()
    return db.session.get(Order, order.id).status


def test_buyer_confirms_receipt(db, client, login, order_in):
    order = order_in(S.DELIVERED)
    login(order.buyer)
    response = client.post(f"/account/orders/{order.reference}/confirm")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/account/orders/{order.reference}")
    assert _status(db, order) == S.COMPLETED


@pytest.mark.parametrize("who", ["anonymous", "vendor", "other_buyer", "staff"])
def test_only_the_buyer_acts_on_an_order(db, client, login, order_in, make_user, who):
    order = order_in(S.DELIVERED)
    people = {"vendor": order.store.owner, "other_buyer": make_user(), "staff": make_user("staff")}
    if who != "anonymous":
        login(people[who])
    for path, data in [("confirm", {}), ("cancel", {"reason": "x"}),
                       ("refund", {"reason": "rusak"})]:
        response = client.post(f"/account/orders/{order.reference}/{path}", data=data)
        assert response.status_code == (302 if who == "anonymous" else 404)
    line = order.lines[0]
    response = client.post(f"/account/orders/{order.reference}/review/{line.id}",
                           data={"rating": "5"})
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert _status(db, order) == S.DELIVERED
    assert db.session.scalar(select(func.count()).select_from(RefundRequest)) == 0
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_buyer_cancels_new_order_but_not_a_processing_one(db, client, login, order_in):
    new, processing = order_in(S.NEW), order_in(S.PROCESSING)
    login(new.buyer)
    assert client.get(f"/account/orders/{new.reference}/cancel").status_code == 200
    assert client.post(f"/account/orders/{new.reference}/cancel",
                       data={"reason": ""}).status_code == 422
    assert client.post(f"/account/orders/{new.reference}/cancel",
                       data={"reason": "Salah ukuran"}).status_code == 302
    assert _status(db, new) == S.CANCELLED
    login(processing.buyer)
    response = client.post(f"/account/orders/{processing.reference}/cancel",
                           data={"reason": "Berubah pikiran"})
    assert response.status_code == 409
    assert _status(db, processing) == S.PROCESSING


def test_refund_request_and_dispute(db, client, login, order_in):
    order = order_in(S.SHIPPED)
    login(order.buyer)
    too_much = client.post(f"/account/orders/{order.reference}/refund",
                           data={"amount": str(order.total + 1), "reason": "rusak"})
    assert too_much.status_code == 422 and "Rp" in too_much.get_data(as_text=True)
    assert client.post(f"/account/orders/{order.reference}/refund",
                       data={"amount": "5000", "reason": "Kemasan sobek"}).status_code == 302
    request = db.session.scalar(select(RefundRequest))
    second = client.post(f"/account/orders/{order.reference}/refund",
                         data={"reason": "lagi"})
    assert second.status_code == 409
    fulfilment.decide_refund_request(order.store.owner, request, False, "Kemasan utuh di foto")
    db.session.commit()
    response = client.post(
        f"/account/orders/{order.reference}/refund-requests/{request.id}/dispute",
        data={"note": "Lihat foto saya"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RefundRequest, request.id).status == RefundRequestStatus.DISPUTED


def test_review_once_after_delivery_with_photo(db, client, login, order_in):
    order = order_in(S.COMPLETED)
    line = order.lines[0]
    login(order.buyer)
    url = f"/account/orders/{order.reference}/review/{line.id}"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"rating": "9", "text": "?"})
    assert bad.status_code == 422
    response = client.post(url, data={"rating": "4", "text": "Renyah, enak",
                                      "photo": (__import__("io").BytesIO(photo_bytes()),
                                                "foto.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    review = db.session.scalar(select(Review))
    assert (review.rating, review.text, review.image_id is not None) == (4, "Renyah, enak",
                                                                         True)
    product = db.session.get(Product, line.product_id)
    assert (product.rating_sum, product.rating_count) == (4, 1)
    again = client.post(url, data={"rating": "5"})
    assert again.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1


def test_review_before_delivery_or_of_a_product_not_bought(db, client, login, order_in):
    processing = order_in(S.PROCESSING)
    other = order_in(S.COMPLETED)
    login(processing.buyer)
    early = client.post(f"/account/orders/{processing.reference}/review/"
                        f"{processing.lines[0].id}", data={"rating": "5"})
    assert early.status_code == 409
    not_mine = client.post(f"/account/orders/{processing.reference}/review/"
                           f"{other.lines[0].id}", data={"rating": "5"})
    assert not_mine.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_order_actions_partial_shows_the_right_buttons(app, db, order_in):
    shipped = order_in(S.SHIPPED)
    with app.test_request_context(f"/account/orders/{shipped.reference}/cancel"):
        login_user(shipped.buyer)
        html = render_template("account/_order_actions.html", order=shipped)
    assert "JNE0012345678" in html and "Pesanan sudah saya terima" in html
    assert "Ajukan pengembalian dana" in html and "Batalkan pesanan" not in html
    done = order_in(S.COMPLETED)
    with app.test_request_context(f"/account/orders/{done.reference}/cancel"):
        login_user(done.buyer)
        html = render_template("account/_order_actions.html", order=done)
    assert "Tulis ulasan" in html and "Pesanan sudah saya terima" not in html
