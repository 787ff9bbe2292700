"""Permission matrix for every vendor route: anonymous, buyer, another vendor, owner, staff.

Where access is denied, the owner's store and products are exactly as before.
"""

import io

import pytest
from sqlalchemy import select

from marketplace.extensions import db as _db
from marketplace.images import store_image
from marketplace.models import Product, Store
from marketplace.services.catalog.listing import add_product_image
from marketplace.services.catalog.product_import import template_csv
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.catalog import photo_bytes


def _photo():
    return {"image": (io.BytesIO(photo_bytes(300, 200, (90, 30, 160))), "foto.jpg")}


def _product_data(w):
    return {"title": "Diubah", "category_id": w["product"].category_id, "status": "archived",
            "weight_grams": 999, "variants-0-variant_id": w["variant"].id,
            "variants-0-sku": "NEW-SKU", "variants-0-price": 77777, "variants-0-stock": 77}


# (method, url template, form data factory or None, what the owner gets)
ROUTES = [
    ("GET", "/vendor/", None, 200),
    ("GET", "/vendor/store", None, 200),
    ("POST", "/vendor/store", lambda w: {
        "name": "Nama Baru", "story": "x", "province_code": "31", "regency": "Jakarta",
        "whatsapp": "081298765432", "bank_name": "BNI", "bank_account_number": "99999999",
        "bank_account_holder": "Orang Lain"}, 302),
    ("POST", "/vendor/store/logo", lambda w: _photo(), 302),
    ("POST", "/vendor/store/logo/remove", lambda w: {"x": "1"}, 302),
    ("GET", "/vendor/store/shipping", None, 200),
    ("POST", "/vendor/store/shipping", lambda w: {
        "courier_enabled": "y", "rate_31": 12345, "pickup_address": ""}, 302),
    ("GET", "/vendor/products", None, 200),
    ("GET", "/vendor/products/new", None, 200),
    ("POST", "/vendor/products/new", lambda w: {
        **_product_data(w), "variants-0-variant_id": "", "variants-0-sku": "BRAND-NEW"}, 302),
    ("GET", "/vendor/products/{product}", None, 200),
    ("POST", "/vendor/products/{product}", _product_data, 302),
    ("POST", "/vendor/variants/{variant}/quick", lambda w: {"price": 55555, "stock": 55}, 302),
    ("POST", "/vendor/products/{product}/archive", lambda w: {"x": "1"}, 302),
    ("POST", "/vendor/products/{product}/delete", lambda w: {"x": "1"}, 302),
    ("GET", "/vendor/products/{product}/images", None, 200),
    ("POST", "/vendor/products/{product}/images", lambda w: _photo(), 302),
    ("POST", "/vendor/products/{product}/images/{image}/alt", lambda w: {"alt": "Diubah"}, 302),
    ("POST", "/vendor/products/{product}/images/{image}/down", lambda w: {"x": "1"}, 302),
    ("POST", "/vendor/products/{product}/images/{image}/remove", lambda w: {"x": "1"}, 302),
    ("GET", "/vendor/products/import", None, 200),
    ("POST", "/vendor/products/import", lambda w: {
        "file": (io.BytesIO(template_csv(example=True).encode()), "p.csv")}, 302),
    ("GET", "/vendor/products/import/example.csv", None, 200),
]


@pytest.fixture
def world(app, db, make_user, make_store, make_product):
    owner_store = make_store()
    product = make_product(store=owner_store, option1_name="Ukuran", variants=[
        {"sku": "OWN-1", "option1": "S", "price": 10000, "stock": 3},
        {"sku": "OWN-2", "option1": "M", "price": 12000, "stock": 4}])
    for color in ((1, 2, 3), (200, 100, 50)):
        with app.test_request_context():
            add_product_image(owner_store.owner, product, photo_bytes(200, 150, color), "Foto")
    owner_store.logo = store_image(photo_bytes(100, 100, (5, 5, 5)))
    db.session.commit()
    other = make_store()
    make_product(store=other)
    return {"owner": owner_store.owner, "store": owner_store, "product": product,
            "variant": product.variants[0], "image": product.images[0],
            "other": other.owner, "buyer": make_user("buyer"), "staff": make_user("staff")}


def snapshot(store_id: int) -> dict:
    """Everything a vendor route could change in the owner's store."""
    _db.session.expire_all()
    store = _db.session.get(Store, store_id)
    products = _db.session.scalars(select(Product).where(Product.store_id == store_id)
                                   .order_by(Product.id)).all()
    return {
        "store": {c.name: getattr(store, c.name) for c in Store.__table__.columns
                  if c.name != "updated_at"},
        "rates": [(r.province_code, r.fee) for r in store.courier_rates],
        "products": [
            ({c.name: getattr(p, c.name) for c in Product.__table__.columns
              if c.name != "updated_at"},
             [(v.sku, v.price, v.stock, v.active, v.position) for v in p.variants],
             [(i.id, i.image_id, i.position, i.alt) for i in p.images])
            for p in products],
    }


def _request(client, method, url, data):
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(("method", "template", "data", "owner_status"), ROUTES,
                         ids=[f"{m} {t}" for m, t, _d, _s in ROUTES])
def test_vendor_route_permission_matrix(app, world, method, template, data, owner_status):
    url = template.format(product=world["product"].id, variant=world["variant"].id,
                          image=world["image"].id)
    is_object_route = "{" in template
    before = snapshot(world["store"].id)

    for actor in (None, "buyer", "other", "staff"):
        client = app.test_client()
        if actor is not None:
            user = world[actor]
            assert client.post("/login", data={"email": user.email,
                                               "password": PASSWORD}).status_code == 302
        response = _request(client, method, url, data(world) if data else None)
        if actor is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        elif is_object_route:
            assert response.status_code == 404, (actor, response.status_code)
        elif actor in ("buyer", "staff") and not url.endswith(".csv"):
            assert response.status_code == 302
            assert response.headers["Location"].endswith("/vendor/open")
        assert snapshot(world["store"].id) == before, f"{actor} changed the owner's store"

    owner = app.test_client()
    owner.post("/login", data={"email": world["owner"].email, "password": PASSWORD})
    response = _request(owner, method, url, data(world) if data else None)
    assert response.status_code == owner_status, response.get_data(as_text=True)[:3000]
    if method == "POST":
        assert snapshot(world["store"].id) != before, "the owner's change had no effect"
