"""The cart and checkout pages through HTTP: guests, buyers, bad input, COD and bank transfer."""

import re

from sqlalchemy import select

from marketplace.models import (
    Cart,
    Checkout,
    Order,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentStatus,
    ProductStatus,
    Variant,
)
from tests.fixtures.catalog import photo_bytes
from tests.fixtures.orders import ADDRESS


def _checkout_form(stores, method="cod", shipping="pickup", **extra):
    data = {**ADDRESS, "method": method, "action": "place", "save_address": "y"}
    for store in stores:
        data[f"shipping-{store.id}"] = shipping
    data.update(extra)
    return data


def test_guest_adds_and_the_cart_survives_login(client, db, make_product, buyer, login):
    product = make_product(price=12000, stock=4)
    response = client.post("/cart/add", data={"variant_id": product.variants[0].id,
                                              "quantity": 2})
    assert response.status_code == 302
    page = client.get("/cart").get_data(as_text=True)
    assert product.title in page and "Rp24.000" in page
    login(buyer)
    page = client.get("/cart").get_data(as_text=True)
    assert product.title in page
    cart = db.session.scalar(select(Cart).where(Cart.user_id == buyer.id))
    assert [(ln.variant_id, ln.quantity) for ln in cart.lines] == [(product.variants[0].id, 2)]


def test_bad_quantities_are_refused_with_a_message(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=3)
    vid = product.variants[0].id
    for quantity in ("0", "-1", "abc", "100000000"):
        response = client.post("/cart/add", data={"variant_id": vid, "quantity": quantity},
                               follow_redirects=True)
        assert response.status_code in (200, 409, 422), quantity
    response = client.post("/cart/add", data={"variant_id": vid, "quantity": 4})
    assert response.status_code == 409
    assert "3" in response.get_data(as_text=True)
    assert db.session.scalar(select(Cart).where(Cart.user_id == buyer.id)) is None or not \
        db.session.scalar(select(Cart).where(Cart.user_id == buyer.id)).lines


def test_update_and_remove_without_javascript(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    line = db.session.scalar(select(Cart).where(Cart.user_id == buyer.id)).lines[0]
    assert client.post(f"/cart/lines/{line.id}", data={"quantity": 3}).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(line), line.id).quantity == 3
    assert client.post(f"/cart/lines/{line.id}", data={"quantity": 9}).status_code == 409
    assert client.post(f"/cart/lines/{line.id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Cart).where(Cart.user_id == buyer.id)).lines == []


def test_another_persons_cart_line_is_not_found(client, db, make_product, make_user, login):
    owner, other = make_user(), make_user()
    login(owner)
    product = make_product(stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    line_id = db.session.scalar(select(Cart).where(Cart.user_id == owner.id)).lines[0].id
    client.post("/logout")
    login(other)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    assert client.post(f"/cart/lines/{line_id}", data={"quantity": 5}).status_code == 404
    assert client.post(f"/cart/lines/{line_id}/remove").status_code == 404
    db.session.expire_all()
    owners = db.session.scalar(select(Cart).where(Cart.user_id == owner.id))
    assert [ln.quantity for ln in owners.lines] == [1]


def test_price_change_is_shown_in_the_cart(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(price=10000)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    product.variants[0].price = 15000
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Rp15.000" in page and "Rp10.000" in page


def test_cod_checkout_over_two_stores(client, db, make_product, make_store, buyer, login,
                                      smtp_server):
    login(buyer)
    a, b = make_store(), make_store()
    pa, pb = make_product(store=a, price=12000, stock=5), make_product(store=b, price=30000)
    smtp_server.messages.clear()  # the owners' "store verified" emails
    for p, q in ((pa, 2), (pb, 1)):
        client.post("/cart/add", data={"variant_id": p.variants[0].id, "quantity": q})
    page = client.get("/checkout").get_data(as_text=True)
    assert "Rp54.000" in page
    response = client.post("/checkout", data=_checkout_form([a, b], expected_subtotal="54000"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    checkout = db.session.scalar(select(Checkout))
    assert response.headers["Location"].endswith(f"/checkout/{checkout.reference}")
    assert [o.status for o in checkout.orders] == [OrderStatus.NEW, OrderStatus.NEW]
    assert db.session.get(Variant, pa.variants[0].id).stock == 3
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rp54.000" in page
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted([buyer.email, a.owner.email, b.owner.email])
    # the address is offered next time
    assert buyer.addresses and buyer.addresses[0].postal_code == ADDRESS["postal_code"]


def test_tampered_total_places_nothing(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(price=10000, stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    response = client.post("/checkout", data=_checkout_form(
        [product.store], expected_subtotal="100", price="1", unit_price="1"))
    assert response.status_code == 409
    assert db.session.scalar(select(Order.id)) is None
    assert db.session.get(Variant, product.variants[0].id).stock == 5


def test_missing_address_fields_are_each_named(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    data = _checkout_form([product.store], street="", postal_code="12")
    response = client.post("/checkout", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="error"') >= 2
    assert db.session.scalar(select(Order.id)) is None


def test_inactive_variant_blocks_checkout(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    product.status = ProductStatus.ARCHIVED
    db.session.commit()
    assert "no longer sold" in client.get("/cart?lang=en").get_data(as_text=True)
    response = client.post("/checkout", data=_checkout_form([product.store]))
    assert response.status_code == 409
    assert db.session.scalar(select(Order.id)) is None


def test_out_of_stock_says_stok_habis(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=2)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 2})
    product.variants[0].stock = 1
    db.session.commit()
    response = client.post("/checkout", data=_checkout_form([product.store]))
    assert response.status_code == 409
    assert "stok habis" in response.get_data(as_text=True).lower()


def test_bank_transfer_proof_and_staff_confirm(client, db, make_product, buyer, staff, login,
                                               smtp_server):
    login(buyer)
    product = make_product(price=20000, stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    response = client.post("/checkout", data=_checkout_form([product.store],
                                                            method="bank_transfer"))
    checkout = db.session.scalar(select(Checkout))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert checkout.reference in page and "Rp20.000" in page
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT
    response = client.post(f"/checkout/{checkout.reference}/proof",
                           data={"proof": (__import__("io").BytesIO(photo_bytes()), "bukti.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    payment = db.session.scalar(select(Payment))
    assert payment.proof_image_id is not None
    # a buyer cannot reach the staff page
    assert client.get("/staff/payments").status_code == 403
    assert client.post(f"/staff/payments/{payment.id}/confirm").status_code == 403
    client.post("/logout")
    login(staff)
    assert checkout.reference in client.get("/staff/payments").get_data(as_text=True)
    assert client.post(f"/staff/payments/{payment.id}/confirm").status_code == 302
    db.session.expire_all()
    order = db.session.scalar(select(Order))
    assert order.status == OrderStatus.NEW and order.payment_status == PaymentStatus.PAID
    assert db.session.scalar(select(Payment)).status == PaymentStatus.PAID
    assert client.post(f"/staff/payments/{payment.id}/confirm").status_code == 409


def test_staff_rejects_a_transfer_with_a_reason(client, db, make_order, staff, login):
    from marketplace.models import PaymentMethod

    checkout = make_order(method=PaymentMethod.BANK_TRANSFER)
    payment = db.session.scalar(select(Payment))
    login(staff)
    assert client.post(f"/staff/payments/{payment.id}/reject", data={"note": ""}
                       ).status_code == 422
    assert client.post(f"/staff/payments/{payment.id}/reject",
                       data={"note": "Dana belum masuk"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Payment, payment.id).status == PaymentStatus.PENDING
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.body.contains("Dana belum masuk"))) is not None


def test_buyer_cancels_before_paying_and_stock_returns(client, db, make_order, make_product,
                                                       login):
    from marketplace.models import PaymentMethod

    product = make_product(stock=5)
    checkout = make_order(items=[(product, 2)], method=PaymentMethod.BANK_TRANSFER)
    login(checkout.buyer)
    response = client.post(f"/checkout/{checkout.reference}/cancel", data={"reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert checkout.orders[0].status == OrderStatus.CANCELLED
    assert db.session.get(Variant, product.variants[0].id).stock == 5
    assert client.post(f"/checkout/{checkout.reference}/cancel").status_code == 409
    db.session.expire_all()
    assert db.session.get(Variant, product.variants[0].id).stock == 5


def test_orders_pages_and_invoice_are_the_buyers_own(client, db, make_order, make_user, login):
    checkout = make_order()
    order = checkout.orders[0]
    login(checkout.buyer)
    listing = client.get("/account/orders").get_data(as_text=True)
    assert order.reference in listing and "Pesanan Baru" in listing
    detail = client.get(f"/account/orders/{order.reference}")
    assert detail.status_code == 200 and "Pesanan Baru" in detail.get_data(as_text=True)
    invoice = client.get(f"/account/orders/{order.reference}/invoice").get_data(as_text=True)
    assert order.lines[0].sku in invoice and "Rp" in invoice
    assert not re.search(rf"/account/orders/{order.id}\b", listing)
    client.post("/logout")
    login(make_user())
    assert client.get(f"/account/orders/{order.reference}").status_code == 404
    assert client.get(f"/account/orders/{order.reference}/invoice").status_code == 404
    assert client.get(f"/checkout/{checkout.reference}").status_code == 404
    assert order.reference not in client.get("/account/orders").get_data(as_text=True)


def test_an_order_over_the_card_limit_is_pointed_to_bank_transfer(client, db, make_product,
                                                                   buyer, login, stripe_on):
    login(buyer)
    product = make_product(price=600_000, stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 2})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="stripe"' in page
    assert "Pembayaran kartu paling banyak Rp999.999" in page


def test_card_is_not_offered_without_stripe_keys(client, db, make_product, buyer, login):
    login(buyer)
    product = make_product(stock=5)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="stripe"' not in page and 'value="cod"' in page
    response = client.post("/checkout", data=_checkout_form([product.store], method="stripe"))
    assert response.status_code == 422
    assert db.session.scalar(select(Order.id)) is None
