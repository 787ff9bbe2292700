"""The vendor pages through the test client: open a store, settings, products, photos, CSV."""

import io
import re

from sqlalchemy import func, select

from marketplace.models import CourierRate, Product, ProductStatus, Store, StoreStatus, Variant
from marketplace.services.catalog.product_import import template_csv
from tests.fixtures.catalog import photo_bytes

STORE_FORM = {
    "name": "Keripik Bu Sri", "story": "Usaha keluarga.", "province_code": "33",
    "regency": "Kabupaten Pekalongan", "whatsapp": "0812-3456-7890", "participant_code": "",
    "bank_name": "BRI", "bank_account_number": "0123 4567 89",
    "bank_account_holder": "Sri Wahyuni",
}


def _product_form(category_id: int, **overrides) -> dict:
    data = {"title": "Keripik Tempe", "description": "Renyah.\nTanpa pengawet.",
            "category_id": category_id, "status": "active", "weight_grams": 250,
            "option1_name": "Ukuran", "option2_name": "",
            "variants-0-sku": "KT-100", "variants-0-option1": "100 g",
            "variants-0-price": 12000, "variants-0-stock": 5,
            "variants-1-sku": "KT-250", "variants-1-option1": "250 g",
            "variants-1-price": 25000, "variants-1-stock": 3,
            "pirt_number": "2063374010123-24", "halal_number": "", "nib": ""}
    data.update(overrides)
    return data


def test_a_user_opens_a_store_that_starts_pending(client, login, make_user):
    user = make_user()
    login(user)
    assert client.get("/vendor/").headers["Location"].endswith("/vendor/open")
    page = client.get("/vendor/open")
    assert page.status_code == 200 and 'for="whatsapp"' in page.get_data(as_text=True)
    response = client.post("/vendor/open", data=STORE_FORM)
    assert response.status_code == 302
    store = client.application.extensions["sqlalchemy"].session.scalar(select(Store))
    assert store.status == StoreStatus.PENDING and store.whatsapp == "+6281234567890"
    assert store.slug == "keripik-bu-sri" and store.bank_account_number == "0123456789"
    dashboard = client.get("/vendor/").get_data(as_text=True)
    assert "Keripik Bu Sri" in dashboard and "verifikasi" in dashboard.lower()


def test_open_store_with_bad_fields_shows_each_error(client, login, make_user, db):
    login(make_user())
    bad = {**STORE_FORM, "whatsapp": "12345", "bank_account_number": "abc"}
    response = client.post("/vendor/open", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "nomor telepon" in html.lower()
    assert db.session.scalar(select(func.count(Store.id))) == 0


def test_store_settings_logo_and_shipping(client, login, make_store, db):
    store = make_store()
    login(store.owner)
    response = client.post("/vendor/store/logo", data={
        "image": (io.BytesIO(photo_bytes(600, 600)), "logo.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(store)
    assert store.logo is not None
    html = client.get("/vendor/store").get_data(as_text=True)
    assert f"/media/{store.logo.sha256}-640.webp" in html and 'loading="lazy"' in html

    bad = client.post("/vendor/store/banner", data={
        "image": (io.BytesIO(b"<svg onload=alert(1)>"), "banner.png")},
        content_type="multipart/form-data")
    assert bad.status_code == 303
    db.session.refresh(store)
    assert store.banner is None
    assert "bukan foto" in client.get("/vendor/store").get_data(as_text=True)

    response = client.post("/vendor/store/shipping", data={
        "self_delivery_enabled": "y", "self_delivery_fee": 10000, "pickup_enabled": "y",
        "pickup_address": "Jl. Melati 3, Pekalongan", "courier_enabled": "y",
        "rate_33": 15000, "rate_31": 30000})
    assert response.status_code == 302
    db.session.refresh(store)
    assert store.self_delivery_fee == 10000 and store.pickup_address.startswith("Jl.")
    assert {(r.province_code, r.fee) for r in store.courier_rates} == {("33", 15000),
                                                                       ("31", 30000)}


def test_shipping_needs_a_method_and_courier_rates(client, login, make_store, db):
    store = make_store()
    login(store.owner)
    response = client.post("/vendor/store/shipping", data={"courier_enabled": "y"})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(CourierRate.id))) == 0
    none = client.post("/vendor/store/shipping", data={"pickup_address": ""})
    assert none.status_code == 422 and "setidaknya satu" in none.get_data(as_text=True).lower()


def test_product_with_variants_then_quick_edit(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    form = client.get("/vendor/products/new").get_data(as_text=True)
    assert 'for="variants-0-sku"' in form
    response = client.post("/vendor/products/new",
                           data=_product_form(categories["keripik-camilan"].id))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    product = db.session.scalar(select(Product))
    assert [v.label for v in product.variants] == ["100 g", "250 g"]
    assert product.pirt_number == "206337401012324"
    assert (product.price_min, product.price_max, product.stock_total) == (12000, 25000, 8)

    listing = client.get("/vendor/products").get_data(as_text=True)
    assert "Keripik Tempe" in listing and "Rp12.000" in listing
    variant = product.variants[0]
    assert client.post(f"/vendor/variants/{variant.id}/quick",
                       data={"price": 13000, "stock": 0}).status_code == 302
    db.session.refresh(product)
    assert (product.price_min, product.stock_total) == (13000, 3)
    refused = client.post(f"/vendor/variants/{variant.id}/quick", data={"price": 5, "stock": 1})
    assert refused.status_code == 303
    db.session.refresh(variant)
    assert variant.price == 13000


def test_editing_variants_switches_removed_ones_off(client, login, make_product, db):
    product = make_product(option1_name="Ukuran", variants=[
        {"sku": "A-1", "option1": "S", "price": 1000, "stock": 1},
        {"sku": "A-2", "option1": "M", "price": 2000, "stock": 2}])
    login(product.store.owner)
    page = client.get(f"/vendor/products/{product.id}").get_data(as_text=True)
    assert 'value="A-2"' in page
    keep = product.variants[0]
    data = _product_form(product.category_id, title="Kaos", **{
        "variants-0-variant_id": keep.id, "variants-0-sku": "A-1", "variants-0-option1": "S",
        "variants-0-price": 1500, "variants-0-stock": 4,
        "variants-1-sku": "", "variants-1-option1": "", "variants-1-price": "",
        "variants-1-stock": "", "pirt_number": ""})
    assert client.post(f"/vendor/products/{product.id}", data=data).status_code == 302
    db.session.refresh(product)
    assert [(v.sku, v.active) for v in product.variants] == [("A-1", True), ("A-2", False)]
    assert (product.title, product.price_max, product.stock_total) == ("Kaos", 1500, 4)


def test_bad_food_permits_are_refused(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    response = client.post("/vendor/products/new", data=_product_form(
        categories["keripik-camilan"].id, pirt_number="123", halal_number="HALAL!",
        nib="12"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "15 digit" in html
    assert db.session.scalar(select(func.count(Product.id))) == 0


def test_photos_add_describe_reorder_remove(client, login, make_product, db):
    product = make_product()
    login(product.store.owner)
    for color in ((200, 0, 0), (0, 200, 0)):
        response = client.post(f"/vendor/products/{product.id}/images", data={
            "image": (io.BytesIO(photo_bytes(800, 600, color)), "foto.jpg"),
            "alt": f"Foto {color}"}, content_type="multipart/form-data")
        assert response.status_code == 302
    db.session.refresh(product)
    first, second = product.images
    assert product.cover_image_id == first.image_id
    client.post(f"/vendor/products/{product.id}/images/{second.id}/up")
    db.session.refresh(product)
    assert [pi.id for pi in product.images] == [second.id, first.id]
    assert product.cover_image_id == second.image_id
    client.post(f"/vendor/products/{product.id}/images/{first.id}/alt",
                data={"alt": "Kemasan 250 g"})
    client.post(f"/vendor/products/{product.id}/images/{second.id}/remove")
    db.session.refresh(product)
    assert [(pi.id, pi.alt) for pi in product.images] == [(first.id, "Kemasan 250 g")]
    assert product.cover_image_id == first.image_id


def test_hostile_upload_on_product_is_a_422_not_a_500(client, login, make_product, db):
    product = make_product()
    login(product.store.owner)
    for payload, name in ((b"", "kosong.jpg"), (b"GIF89a" + b"\x00" * 50, "anim.gif"),
                          (b"PK\x03\x04" + b"\x00" * 40, "foto.png")):
        response = client.post(f"/vendor/products/{product.id}/images", data={
            "image": (io.BytesIO(payload), name)}, content_type="multipart/form-data")
        assert response.status_code == 422
    db.session.refresh(product)
    assert product.images == []


def test_at_most_eight_photos(client, login, make_product, db):
    product = make_product()
    login(product.store.owner)
    for n in range(9):
        response = client.post(f"/vendor/products/{product.id}/images", data={
            "image": (io.BytesIO(photo_bytes(320, 240, (n * 20, 50, 50))), "f.jpg")},
            content_type="multipart/form-data")
    assert response.status_code == 422
    db.session.refresh(product)
    assert len(product.images) == 8


def test_archive_and_delete(client, login, make_product, db):
    product, other = make_product(), None
    login(product.store.owner)
    client.post(f"/vendor/products/{product.id}/archive")
    db.session.refresh(product)
    assert product.status == ProductStatus.ARCHIVED
    other = make_product(store=product.store)
    client.post(f"/vendor/products/{other.id}/delete")
    assert db.session.get(Product, other.id) is None


def test_csv_upload_lists_bad_rows_then_imports(client, login, make_store, categories, db):
    store = make_store()
    login(store.owner)
    template = client.get("/vendor/products/import/template.csv")
    assert template.mimetype == "text/csv" and "sku" in template.get_data(as_text=True)
    bad = b"title,category,weight_grams,sku,price,stock\nKeripik,keripik-camilan,100,S1,=1+1,3\n"
    response = client.post("/vendor/products/import", data={
        "file": (io.BytesIO(bad), "produk.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "<td class=\"num\">2</td>" in html and "http-equiv=\"refresh\"" not in html
    assert db.session.scalar(select(func.count(Variant.id))) == 0
    good = template_csv(example=True).encode()
    response = client.post("/vendor/products/import", data={
        "file": (io.BytesIO(good), "produk.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Product.id))) == 2


def test_media_renditions_are_served_immutable(client, make_image):
    image = make_image()
    response = client.get(f"/media/{image.sha256}-320.webp")
    assert response.status_code == 200 and response.mimetype == "image/webp"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    again = client.get(f"/media/{image.sha256}-320.webp",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/media/{'0' * 64}-320.webp").status_code == 404
    assert client.get(f"/media/{image.sha256}-999.webp").status_code == 404
    assert client.get("/media/..%2f..%2fetc%2fpasswd").status_code == 404


def test_picture_macro(app, make_image):
    image = make_image(1000, 500)
    with app.test_request_context():
        html = app.jinja_env.from_string(
            '{% from "_macros/images.html" import picture %}{{ picture(img, "Keripik") }}'
        ).render(img=image)
    assert 'srcset="/media/' in html and "1000w" in html and 'sizes="' in html
    assert 'width="1000" height="500"' in html and 'alt="Keripik"' in html
    assert 'loading="lazy"' in html and 'decoding="async"' in html


def test_a_form_opened_before_a_sale_cannot_put_the_old_stock_back(client, login, make_product,
                                                                    db):
    """The vendor opens her product, a buyer takes 2 of the 5, she saves the form she had:
    refused with the stock as it is now, and her next save (having seen it) counts."""
    from marketplace.services.catalog.inventory import reserve_stock

    product = make_product(option1_name="Ukuran", variants=[
        {"sku": "B-1", "option1": "S", "price": 1000, "stock": 5}])
    login(product.store.owner)
    variant = product.variants[0]
    page = client.get(f"/vendor/products/{product.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\w+)"', page).group(1)
    reserve_stock({variant.id: 2}, {variant.id: product.title})
    db.session.commit()
    data = _product_form(product.category_id, version=version, pirt_number="", **{
        "variants-0-variant_id": variant.id, "variants-0-sku": "B-1",
        "variants-0-option1": "S", "variants-0-price": 1200, "variants-0-stock": 5,
        "variants-1-sku": "", "variants-1-option1": "", "variants-1-price": "",
        "variants-1-stock": ""})
    refused = client.post(f"/vendor/products/{product.id}", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Produk ini berubah setelah halaman ini Anda buka" in html and "S: 3" in html
    db.session.expire_all()
    assert (variant.stock, variant.price) == (3, 1000)  # nothing of the old form was written
    # The page she got back carries the version she has now seen: saving it again counts.
    data["version"] = re.search(r'name="version" type="hidden" value="(\w+)"', html).group(1)
    data["variants-0-stock"] = 3
    assert client.post(f"/vendor/products/{product.id}", data=data).status_code == 302
    db.session.expire_all()
    assert (variant.stock, variant.price) == (3, 1200)


def test_a_quick_edit_typed_before_a_sale_is_refused(client, login, make_product, db):
    from marketplace.services.catalog.inventory import reserve_stock

    product = make_product(variants=[{"sku": "C-1", "price": 1000, "stock": 5}])
    login(product.store.owner)
    variant = product.variants[0]
    page = client.get("/vendor/products").get_data(as_text=True)
    assert 'name="seen_stock" value="5"' in page
    reserve_stock({variant.id: 2}, {variant.id: product.title})
    db.session.commit()
    refused = client.post(f"/vendor/variants/{variant.id}/quick",
                          data={"price": 1500, "stock": 5, "seen_stock": 5},
                          follow_redirects=True)
    assert "Stok berubah menjadi 3 setelah halaman ini Anda buka" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert (variant.price, variant.stock) == (1000, 3)
    assert client.post(f"/vendor/variants/{variant.id}/quick",
                       data={"price": 1500, "stock": 4, "seen_stock": 3}).status_code == 302
    db.session.expire_all()
    assert (variant.price, variant.stock) == (1500, 4)
