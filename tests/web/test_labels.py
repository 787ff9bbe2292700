"""Status, payment and delivery words come from their enums: every side reads the same words,
in the reader's language; templates ask the services instead of restating their rules."""

import pytest
from flask import render_template
from flask_babel import force_locale
from flask_login import login_user

from marketplace.models import (
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    RefundRequestStatus,
    ShippingMethod,
)
from marketplace.services.orders import fulfilment

LABELLED = [OrderStatus, PaymentMethod, PaymentStatus, ShippingMethod, RefundRequestStatus]


@pytest.mark.parametrize("enum", LABELLED, ids=lambda e: e.__name__)
def test_every_member_has_a_label_in_both_languages(app, enum):
    with app.test_request_context():
        for member in enum:
            with force_locale("en"):
                english = str(member.label)
            with force_locale("id"):
                indonesian = str(member.label)
            assert english and indonesian and english != indonesian, member


def test_payment_words_never_repeat_an_order_status(app):
    with app.test_request_context(), force_locale("id"):
        statuses = {str(s.label) for s in OrderStatus}
        assert not statuses & {str(p.label) for p in PaymentStatus}


def test_buyer_and_seller_read_the_same_payment_status(db, client, login, make_order):
    order = make_order(method=PaymentMethod.BANK_TRANSFER).orders[0]
    login(order.buyer)
    buyer_page = client.get(f"/account/orders/{order.reference}").get_data(as_text=True)
    client.get("/logout")
    login(order.store.owner)
    seller_page = client.get(f"/vendor/orders/{order.reference}").get_data(as_text=True)
    for page in (buyer_page, seller_page):
        assert "Belum dibayar" in page and "Transfer bank" in page


def test_the_refund_button_follows_the_service(app, db, order_in):
    order = order_in(OrderStatus.SHIPPED)

    def partial() -> str:
        with app.test_request_context(f"/account/orders/{order.reference}"):
            login_user(order.buyer)
            return render_template("account/_order_actions.html", order=order)

    assert fulfilment.can_request_refund(order) and "Ajukan pengembalian dana" in partial()
    fulfilment.request_refund(order.buyer, order, "Barang rusak")
    db.session.commit()
    assert not fulfilment.can_request_refund(order)
    assert "Ajukan pengembalian dana" not in partial()
