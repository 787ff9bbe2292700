"""Frictions of the vendor's product and shipping pages (issue 11, item 7): optional SKUs, variant
fields named by the vendor's options, quick edits named by variant, a new store's shipping
defaults, one courier fee for every province."""

import re
from html import unescape
from html.parser import HTMLParser

from sqlalchemy import func, select

from marketplace.models import CourierRate, Order, Product, Store
from marketplace.regions import PROVINCES
from tests.fixtures.orders import ADDRESS
from tests.support.html import Page
from tests.web.test_vendor_pages import STORE_FORM, _product_form


class _Submitted(HTMLParser):
    """What a browser sends for the page's first POST form when the user changes nothing."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self._form, self._textarea, self._select = 0, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self._form += 1
        if tag == "option" and self._select and (
                "selected" in attrs or self._select not in self.values):
            self.values[self._select] = attrs.get("value", "")
        if self._form != 1 or not attrs.get("name"):
            return
        if tag == "input" and (attrs.get("type") != "checkbox" or "checked" in attrs):
            self.values[attrs["name"]] = attrs.get("value") or ""
        if tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""
        if tag == "select":
            self._select = attrs["name"]

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def _labels(html: str) -> list[str]:
    """Every label's accessible name (visually hidden parts included), in page order."""
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", text)).split())
            for text in re.findall(r"<label[^>]*>(.*?)</label>", html, re.S)]


def _blank_variants(**rows) -> dict:
    empty = {f"variants-{i}-{key}": "" for i in range(2)
             for key in ("sku", "option1", "price", "stock")}
    return {**empty, **rows}


# --- a. the SKU is optional ---------------------------------------------------------------------

def test_a_blank_sku_is_made_up_unique_in_the_store(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    category = categories["keripik-camilan"].id
    response = client.post("/vendor/products/new", data=_product_form(
        category, **{"variants-0-sku": "", "variants-1-sku": ""}))
    assert response.status_code == 302, Page(response.get_data(as_text=True)).messages
    again = client.post("/vendor/products/new", data=_product_form(
        category, **{"variants-0-sku": "", "variants-1-sku": "kt-250g-2"}))
    assert again.status_code == 302, Page(again.get_data(as_text=True)).messages
    first, second = db.session.scalars(select(Product).order_by(Product.id)).all()
    assert [v.sku for v in first.variants] == ["KT-100G", "KT-250G"]
    # Typed ones are taken as typed (upper case); a made-up one never repeats one in the store.
    assert [v.sku for v in second.variants] == ["KT-100G-2", "KT-250G-2"]


def test_the_edit_form_keeps_each_row_on_its_variant(client, login, make_product, db):
    product = make_product(option1_name="Ukuran", variants=[
        {"sku": "TEMPE-S", "option1": "S", "price": 1000, "stock": 1},
        {"sku": "TEMPE-M", "option1": "M", "price": 2000, "stock": 1}])
    small, medium = product.variants
    login(product.store.owner)
    page = _Submitted(client.get(f"/vendor/products/{product.id}").get_data(as_text=True))
    switched_off = {**page.values, "variants-1-option1": "", "variants-1-sku": "",
                    "variants-1-price": "", "variants-1-stock": ""}
    assert client.post(f"/vendor/products/{product.id}", data=switched_off).status_code == 302
    # Saved again as shown, a switched-off variant stays off; an emptied SKU stays as it was.
    page = _Submitted(client.get(f"/vendor/products/{product.id}").get_data(as_text=True))
    assert "TEMPE-M" not in page.values.values()
    unchanged = {**page.values, "variants-0-sku": "", "variants-0-price": "1200"}
    assert client.post(f"/vendor/products/{product.id}", data=unchanged).status_code == 302
    db.session.expire_all()
    assert [(v.sku, v.price, v.active) for v in product.variants] == [
        ("TEMPE-S", 1200, True), ("TEMPE-M", 2000, False)]


def test_a_missing_price_is_named_and_nothing_is_written(client, login, make_store, categories,
                                                         db):
    store = make_store()
    login(store.owner)
    response = client.post("/vendor/products/new", data=_product_form(
        categories["keripik-camilan"].id, **{"variants-1-price": ""}))
    assert response.status_code == 422
    messages = " ".join(Page(response.get_data(as_text=True)).messages)
    assert "Varian 2 belum punya harga" in messages
    assert "minimal satu varian" not in messages
    nothing = client.post("/vendor/products/new", data=_product_form(
        categories["keripik-camilan"].id, **_blank_variants()))
    assert nothing.status_code == 422
    assert "Tambahkan minimal satu varian beserta harganya." in Page(
        nothing.get_data(as_text=True)).messages
    client.get("/vendor/?lang=en")
    english = client.post("/vendor/products/new", data=_product_form(
        categories["keripik-camilan"].id, **{"variants-0-price": ""}))
    assert "Variant 1 has no price yet" in " ".join(Page(english.get_data(as_text=True)).messages)
    assert db.session.scalar(select(func.count(Product.id))) == 0


# --- b. variant fields are named by the vendor's options ----------------------------------------

def test_variant_fields_are_labelled_with_the_option_names(client, login, make_store, categories,
                                                           db):
    store = make_store()
    login(store.owner)
    blank = client.get("/vendor/products/new").get_data(as_text=True)
    assert "Nilai pilihan" not in blank and 'name="variants-0-option1"' not in blank
    # Without JavaScript: the vendor names the options, and the page comes back asking for them.
    shown = client.post("/vendor/products/new", data={
        "title": "Kaos Batik", "option1_name": "Ukuran", "option2_name": "Warna",
        "show_options": "1"})
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    labels = _labels(html)
    assert {"Ukuran varian 1", "Warna varian 1", "Harga (Rp) varian 1",
            "Ukuran varian 6"} <= set(labels)
    assert len(labels) == len(set(labels)), "a field's name is not unique on the page"
    assert 'value="Kaos Batik"' in html and "Belum ada yang disimpan" in html
    assert db.session.scalar(select(func.count(Product.id))) == 0

    product_form = _product_form(categories["keripik-camilan"].id, option2_name="Warna",
                                 **{"variants-0-option2": "Merah"})
    refused = client.post("/vendor/products/new", data=product_form)
    assert refused.status_code == 422
    assert "Varian 2: isi Warna." in Page(refused.get_data(as_text=True)).messages
    assert "Warna varian 2" in _labels(refused.get_data(as_text=True))

    product_form["variants-1-option2"] = "Biru"
    assert client.post("/vendor/products/new", data=product_form).status_code == 302
    product = db.session.scalar(select(Product))
    client.get("/vendor/?lang=en")
    labels = _labels(client.get(f"/vendor/products/{product.id}").get_data(as_text=True))
    assert {"Ukuran variant 1", "Warna variant 2", "SKU (optional) variant 1"} <= set(labels)
    assert len(labels) == len(set(labels))


# --- c. quick edits are named by variant --------------------------------------------------------

def test_quick_edit_fields_are_named_by_variant(client, login, make_product, db):
    tempe = make_product(title="Keripik Tempe", option1_name="Berat", variants=[
        {"sku": "KT-A1", "option1": "500 g", "price": 20000, "stock": 4},
        {"sku": "KT-A2", "option1": "1 kg", "price": 38000, "stock": 2}])
    make_product(store=tempe.store, title="Keripik Pisang", option1_name="Berat", variants=[
        {"sku": "KP-A1", "option1": "500 g", "price": 18000, "stock": 3}])
    make_product(store=tempe.store, title="Rengginang", variants=[
        {"sku": "RG-1", "price": 15000, "stock": 9}])
    login(tempe.store.owner)
    html = client.get("/vendor/products").get_data(as_text=True)
    labels = _labels(html)
    assert {"Stok 500 g (Keripik Tempe)", "Harga (Rp) 1 kg (Keripik Tempe)",
            "Stok 500 g (Keripik Pisang)", "Stok Rengginang"} <= set(labels)
    assert not [label for label in labels if "KT-A1" in label]
    assert len(labels) == len(set(labels))
    buttons = [c.name for c in Page(html).controls if c.tag == "button"]
    assert "Simpan 500 g (Keripik Tempe)" in buttons and "Simpan KT-A1" not in buttons

    variant = tempe.variants[0]
    saved = client.post(f"/vendor/variants/{variant.id}/quick", data={"price": 21000,
                                                                       "stock": 5},
                        follow_redirects=True)
    assert "Keripik Tempe (500 g): harga dan stok disimpan." in Page(
        saved.get_data(as_text=True)).messages


# --- d. a new store's shipping defaults save as they are -----------------------------------------

def test_a_new_stores_shipping_page_saves_unchanged(client, login, make_user, db):
    owner = make_user()
    login(owner)
    assert client.post("/vendor/open", data=STORE_FORM).status_code == 302
    page = client.get("/vendor/store/shipping").get_data(as_text=True)
    unchanged = _Submitted(page).values
    assert "pickup_enabled" not in unchanged  # pickup needs an address she has not given
    response = client.post("/vendor/store/shipping", data=unchanged)
    assert response.status_code == 302, Page(response.get_data(as_text=True)).messages
    store = db.session.scalar(select(Store).where(Store.owner_id == owner.id))
    assert (store.self_delivery_enabled, store.self_delivery_fee, store.pickup_enabled) == (
        True, 0, False)

    refused = client.post("/vendor/store/shipping", data={**unchanged, "pickup_enabled": "y"})
    assert refused.status_code == 422
    assert ("Isi alamat tempat pembeli mengambil barang, atau matikan pilihan ambil sendiri."
            in Page(refused.get_data(as_text=True)).messages)
    db.session.refresh(store)
    assert store.pickup_enabled is False
    client.post("/vendor/store/shipping", data={**unchanged, "pickup_enabled": "y",
                                                "pickup_address": "Jl. Melati 3, Pekalongan"})
    db.session.refresh(store)
    assert (store.pickup_enabled, store.pickup_address) == (True, "Jl. Melati 3, Pekalongan")


# --- e. one courier fee for every province, with exceptions --------------------------------------

def _buy_by_courier(client, login, buyer, product, province_code: str) -> Order:
    login(buyer)
    client.post("/cart/add", data={"variant_id": product.variants[0].id, "quantity": 1})
    response = client.post("/checkout", data={
        **ADDRESS, "province_code": province_code, "regency": "Kota Tujuan", "method": "cod",
        "action": "place", f"shipping-{product.store_id}": "courier",
        "expected_subtotal": str(product.variants[0].price)})
    assert response.status_code == 302, Page(response.get_data(as_text=True)).messages
    client.get("/logout")
    return client.application.extensions["sqlalchemy"].session.scalar(
        select(Order).where(Order.buyer_id == buyer.id))


def test_one_courier_fee_for_every_province_with_exceptions(client, login, make_product,
                                                            make_user, db):
    product = make_product(price=50000)
    store = product.store
    login(store.owner)
    shipping = client.get("/vendor/store/shipping").get_data(as_text=True)
    assert "Ongkir kurir ke semua provinsi (Rp)" in _labels(shipping)
    assert re.search(r"<details class=\"filter-box\">\s*<summary>Ongkir berbeda", shipping)
    response = client.post("/vendor/store/shipping", data={
        "courier_enabled": "y", "courier_fee_all": "20000", "rate_91": "60000",
        "rate_33": "", "pickup_enabled": "y", "pickup_address": store.pickup_address})
    assert response.status_code == 302, Page(response.get_data(as_text=True)).messages
    rates = dict(db.session.execute(select(CourierRate.province_code, CourierRate.fee)
                                    .where(CourierRate.store_id == store.id)).all())
    assert rates == {**dict.fromkeys(PROVINCES, 20000), "91": 60000}

    again = _Submitted(client.get("/vendor/store/shipping").get_data(as_text=True)).values
    assert again["courier_fee_all"] == "20000" and again["rate_91"] == "60000"
    assert again["rate_35"] == "" and again["rate_33"] == ""
    client.get("/logout")

    # What the buyer pays: the fee for every province, and Papua's own fee.
    assert _buy_by_courier(client, login, make_user(), product, "35").shipping_fee == 20000
    to_papua = _buy_by_courier(client, login, make_user(), product, "91")
    assert (to_papua.shipping_fee, to_papua.total) == (60000, 110000)

    # Without the fee for every province, the courier goes only where a fee is given.
    login(store.owner)
    client.post("/vendor/store/shipping", data={**again, "courier_fee_all": ""})
    db.session.expire_all()
    assert [(r.province_code, r.fee) for r in store.courier_rates] == [("91", 60000)]
    refused = client.post("/vendor/store/shipping", data={**again, "courier_fee_all": "",
                                                           "rate_91": ""})
    assert refused.status_code == 422
    assert "Isi ongkir kurir ke semua provinsi, atau ke setidaknya satu provinsi." in Page(
        refused.get_data(as_text=True)).messages
