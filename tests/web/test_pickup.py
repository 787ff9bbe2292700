"""Pickup (ambil sendiri): the buyer is told where to collect, beside the choice at checkout, on
her order page and in the confirmation email; a store without a pickup address offers no
pickup. Nothing else of the store's own details reaches her."""

from sqlalchemy import select

from marketplace.models import Order, OutboxMessage, ShippingMethod
from marketplace.services.orders.checkout import shipping_options
from tests.fixtures.orders import ADDRESS

PICKUP_AT = "Jl. Merdeka No. 1, Pekalongan"  # what tests.fixtures.stores gives every store


def _to_checkout(client, login, buyer, *products):
    login(buyer)
    for product in products:
        client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    return client.get("/checkout")


def test_checkout_shows_the_pickup_address_beside_pickup(client, db, make_product, buyer,
                                                         login):
    pickup, delivers = make_product(), make_product()
    pickup.store.pickup_address = "Jl. Kauman 7, Pekalongan"
    delivers.store.pickup_enabled = False  # keeps its address, but offers no pickup
    db.session.commit()

    page = _to_checkout(client, login, buyer, pickup, delivers).get_data(as_text=True)

    assert page.count("Alamat pengambilan:") == 1
    assert f'aria-describedby="ship-help-{pickup.store_id} pickup-{pickup.store_id}"' in page
    assert f'id="pickup-{pickup.store_id}">Alamat pengambilan: Jl. Kauman 7, Pekalongan' in page
    assert PICKUP_AT not in page  # the other store's address, with pickup off
    assert "0123456789" not in page  # nor any store's bank account
    english = client.get("/checkout?lang=en").get_data(as_text=True)
    assert "Pickup address: Jl. Kauman 7, Pekalongan" in english


def test_a_store_without_pickup_address_offers_no_pickup(client, db, make_product, make_store,
                                                         buyer, login):
    # As stores opened before pickup needed an address can still be (until migration 0014).
    store = make_store()
    store.self_delivery_enabled = True
    product = make_product(store=store)
    for empty in (None, "", "   "):
        store.pickup_address = empty
        db.session.commit()
        methods = [o.method for o in shipping_options(store, "33", "Kota Pekalongan")]
        assert methods == [ShippingMethod.SELF_DELIVERY], empty

    _to_checkout(client, login, buyer, product)
    page = client.post("/checkout", data={**ADDRESS, "action": "refresh"}).get_data(as_text=True)
    assert 'value="pickup"' not in page and 'value="self_delivery"' in page
    response = client.post("/checkout", data={**ADDRESS, "method": "cod", "action": "place",
                                              f"shipping-{store.id}": "pickup"})
    assert response.status_code == 422
    assert f"Pilih cara {store.name} mengirim pesanan Anda." in response.get_data(as_text=True)
    assert db.session.scalar(select(Order)) is None


def test_the_order_page_says_where_to_pick_up(client, db, make_order, login):
    checkout = make_order(shipping=ShippingMethod.PICKUP)
    order = checkout.orders[0]
    login(checkout.buyer)

    page = client.get(f"/account/orders/{order.reference}").get_data(as_text=True)
    assert "Tempat mengambil pesanan Anda" in page
    assert f"{order.store.name}<br>{PICKUP_AT}" in page
    english = client.get(f"/account/orders/{order.reference}?lang=en").get_data(as_text=True)
    assert "Where you pick up your order" in english and PICKUP_AT in english

    # The store later switched pickup off and emptied the address: she is told to ask it.
    order.store.pickup_enabled, order.store.pickup_address = False, None
    order.store.self_delivery_enabled = True
    db.session.commit()
    page = client.get(f"/account/orders/{order.reference}?lang=id").get_data(as_text=True)
    assert f"{order.store.name} belum memberi alamat pengambilan." in page
    assert f'href="/s/{order.store.slug}"' in page


def test_a_delivered_order_shows_no_pickup_address(client, db, make_order, make_product,
                                                   shipping_store, login):
    checkout = make_order(shipping=ShippingMethod.SELF_DELIVERY,
                          items=[(make_product(store=shipping_store()), 1)])
    order = checkout.orders[0]
    assert order.store.pickup_address == PICKUP_AT  # the store has one, and pickup on
    login(checkout.buyer)

    page = client.get(f"/account/orders/{order.reference}").get_data(as_text=True)
    assert PICKUP_AT not in page and "Tempat mengambil" not in page
    assert "alamat pengambilan" not in page
    email = db.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.body.contains(order.reference)))
    assert email is not None and PICKUP_AT not in email


def test_the_confirmation_email_says_where_to_pick_up(db, make_order, make_user):
    buyer = make_user("buyer")
    buyer.locale = "en"
    db.session.commit()
    checkout = make_order(buyer=buyer, shipping=ShippingMethod.PICKUP)
    order = checkout.orders[0]

    email = db.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.to == buyer.email, OutboxMessage.body.contains(checkout.reference)))
    assert f"Pick up order {order.reference} at: {PICKUP_AT}" in email

    indonesian = make_order(shipping=ShippingMethod.PICKUP)
    email = db.session.scalar(select(OutboxMessage.body).where(
        OutboxMessage.to == indonesian.buyer.email))
    assert f"Ambil pesanan {indonesian.orders[0].reference} di: {PICKUP_AT}" in email


def test_the_page_after_ordering_says_where_to_pick_up_and_pay(client, db, make_order,
                                                               make_product, shipping_store,
                                                               login):
    checkout = make_order(shipping=ShippingMethod.PICKUP)
    login(checkout.buyer)
    page = client.get(f"/checkout/{checkout.reference}").get_data(as_text=True)
    assert "Bayar tunai saat Anda menerima pesanan." in page
    assert f"Ambil pesanan {checkout.orders[0].reference} di: {PICKUP_AT}" in page

    delivered = make_order(buyer=checkout.buyer, shipping=ShippingMethod.SELF_DELIVERY,
                           items=[(make_product(store=shipping_store()), 1)])
    page = client.get(f"/checkout/{delivered.reference}").get_data(as_text=True)
    assert "Bayar tunai saat Anda menerima pesanan." in page and PICKUP_AT not in page
