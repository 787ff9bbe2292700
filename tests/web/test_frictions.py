"""Smaller frictions met on the way (issue 11, item 7)."""

from marketplace.models import PaymentMethod
from tests.support.html import Page


def test_a_cod_order_reads_pay_on_delivery_for_buyer_and_seller(client, login, make_order):
    order = make_order(method=PaymentMethod.COD).orders[0]
    login(order.buyer)
    buyer_page = client.get(f"/account/orders/{order.reference}").get_data(as_text=True)
    client.get("/logout")
    login(order.store.owner)
    seller_page = client.get(f"/vendor/orders/{order.reference}").get_data(as_text=True)
    for page in (buyer_page, seller_page):
        assert "Bayar di tempat" in page and "Belum dibayar" not in page


def test_a_guest_is_told_why_checkout_asks_for_a_login(client, make_product):
    product = make_product()
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    response = client.get("/checkout", follow_redirects=True)
    assert response.request.path == "/login"
    messages = Page(response.get_data(as_text=True)).messages
    assert any("keranjang Anda tetap tersimpan" in m for m in messages)


def test_checkout_shows_no_shipping_error_before_an_address(db, client, login, make_user,
                                                            make_product, shipping_store):
    login(make_user("buyer"))
    store = shipping_store()
    store.pickup_enabled = store.self_delivery_enabled = False  # couriers only: needs a province
    db.session.commit()
    product = make_product(store=store)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    html = client.get("/checkout").get_data(as_text=True)
    assert "tidak mengirim ke alamat ini" not in html
    assert "Isi provinsi dan kabupaten/kota di atas" in html


def test_featuring_a_store_starts_now_and_ends_in_30_days(client, login, staff):
    from datetime import timedelta

    from marketplace.clock import to_jakarta, utcnow

    login(staff)
    fields = {name: value for form in Page(client.get("/staff/featured").get_data(as_text=True))
              .forms for name, _kind, value in form.fields}
    today = to_jakarta(utcnow()).date()
    assert fields["starts_at"].startswith(today.isoformat())
    assert fields["ends_at"].startswith((today + timedelta(days=30)).isoformat())


def test_deleting_a_product_asks_first(client, login, make_product):
    product = make_product(title="Keripik Tempe")
    login(product.store.owner)
    page = client.get("/vendor/products").get_data(as_text=True)
    summary = page.index("<summary>Hapus Keripik Tempe</summary>")
    button = page.index("Ya, hapus Keripik Tempe</button>")
    assert summary < page.index("tidak bisa dibatalkan") < button
    assert "<button type=\"submit\">Hapus Keripik Tempe</button>" not in page
