"""Every token-guarded operation x every scope: a token without the operation's scope gets a
403 naming the scope, and nothing in the database changes. And every product operation x every
kind of account naming a store: only its owner and her consenting facilitator get through."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import (
    ApiTokenKind,
    AuditEvent,
    Order,
    Product,
    ProductImage,
    ShippingMethod,
    Variant,
)
from marketplace.services.programme import facilitation
from marketplace.services.users.api_tokens import SCOPES
from tests.fixtures.api import bearer
from tests.fixtures.catalog import photo_bytes


def _state() -> tuple:
    """What a write could change: variants, products, photos, order statuses, audit rows."""
    return (tuple(_db.session.execute(select(Variant.id, Variant.sku, Variant.price,
                                             Variant.stock, Variant.active)
                                      .order_by(Variant.id)).all()),
            tuple(_db.session.execute(select(Product.id, Product.status, Product.title,
                                             Product.updated_at).order_by(Product.id)).all()),
            tuple(_db.session.execute(select(ProductImage.id, ProductImage.product_id)
                                      .order_by(ProductImage.id)).all()),
            tuple(_db.session.execute(select(Order.id, Order.status).order_by(Order.id)).all()),
            _db.session.scalar(select(func.count()).select_from(AuditEvent)))


def test_every_scope_against_every_operation(client, make_product, shipping_store, make_order,
                                             make_token, make_user, db):
    product = make_product(store=shipping_store(), price=20000, stock=10)
    order = make_order(items=[(product, 1)], shipping=ShippingMethod.COURIER).orders[0]
    owner, admin = product.store.owner, make_user("admin")
    tokens = {}
    for scope in SCOPES:
        if scope in ("store:write", "orders:write", "catalog:read"):
            tokens[scope] = make_token(owner, [scope], name=scope)
        else:
            tokens[scope] = make_token(admin, [scope], ApiTokenKind.SERVICE, name=scope)
    spec = client.get("/api/v1/openapi.json").get_json()
    values = {"product_id": str(product.id), "reference": order.reference, "slug": "x"}
    checked = 0
    for path, item in spec["paths"].items():
        url = "/api/v1" + path.format(**values)
        for method, operation in item.items():
            if "security" not in operation:
                continue
            needed = operation["security"][0]["bearer"][0]
            for scope, secret in tokens.items():
                if scope == needed:
                    continue
                _db.session.expire_all()
                before = _state()
                answer = client.open(url, method=method.upper(), headers=bearer(secret),
                                     json={} if method in ("post", "patch") else None)
                assert answer.status_code == 403, (method, path, scope, answer.status_code)
                assert f'scope="{needed}"' in answer.headers["WWW-Authenticate"]
                _db.session.expire_all()
                assert _state() == before, (method, path, scope)
                checked += 1
    assert checked >= 5 * len(SCOPES)


def _product_operations(product, reference: str) -> list[tuple[str, str, dict]]:
    """(method, url, request arguments) of every vendor operation on this store (the photo is
    a fresh stream on each read of the list)."""
    base = f"/api/v1/vendor/products/{product.id}"
    new = {"title": "Produk Baru", "category_id": product.category_id, "weight_grams": 100,
           "variants": [{"sku": "BARU-1", "price": 5000, "stock": 1}]}
    return [
        ("GET", "/api/v1/vendor/products", {}),
        ("POST", "/api/v1/vendor/products", {"json": new}),
        ("GET", base, {}),
        ("PATCH", base, {"json": {"title": "Diubah"}, "headers": {"If-Match": "*"}}),
        ("POST", base + "/photos", {"data": {"photo": (io.BytesIO(photo_bytes()), "a.jpg")},
                                    "content_type": "multipart/form-data"}),
        ("POST", "/api/v1/vendor/variants/prices-stock", {"json": {"rows": [
            {"variant_id": product.variants[0].id, "price": 30000, "stock": 2}]}}),
        ("POST", base + "/archive", {}),
        ("GET", "/api/v1/vendor/orders", {}),
        ("POST", f"/api/v1/vendor/orders/{reference}/accept", {}),
    ]


@pytest.mark.parametrize("actor", ["other_vendor", "facilitator_elsewhere",
                                   "facilitator_without_consent", "facilitator_withdrawn",
                                   "owner", "facilitator"])
def test_every_account_naming_the_store_against_every_vendor_operation(
        actor, client, make_product, make_order, make_token, make_store,
        make_facilitator, assisted_store, db):
    facilitator, store = assisted_store(consent=actor != "facilitator_without_consent")
    if actor == "facilitator_withdrawn":
        facilitation.set_consent(store.owner, False)
    product = make_product(store=store, price=20000, stock=10)
    reference = make_order(items=[(product, 1)]).orders[0].reference
    person = {"owner": store.owner, "other_vendor": make_store().owner,
              "facilitator_elsewhere": make_facilitator()}.get(actor, facilitator)
    headers = {**bearer(make_token(person, ["store:write", "orders:write"])),
               "Acting-Store": str(store.id)}
    allowed = actor in ("owner", "facilitator")
    for method, url, arguments in _product_operations(product, reference):
        _db.session.expire_all()
        before = _state()
        answer = client.open(url, method=method, **{
            **arguments, "headers": {**headers, **arguments.get("headers", {})}})
        if allowed:
            assert answer.status_code in (200, 201), (actor, method, url, answer.get_json())
            continue
        assert answer.status_code == 403, (actor, method, url, answer.status_code)
        assert answer.get_json()["error"]
        _db.session.expire_all()
        assert _state() == before, (actor, method, url)
    # Naming no store: another store's products and orders look absent, and nothing changes.
    plain = bearer(make_token(person, ["store:write", "orders:write"]))
    for method, url, arguments in _product_operations(product, reference):
        if allowed or f"/{product.id}" not in url and reference not in url:
            continue
        _db.session.expire_all()
        before = _state()
        answer = client.open(url, method=method, **{
            **arguments, "headers": {**plain, **arguments.get("headers", {})}})
        assert answer.status_code == 404, (actor, method, url, answer.status_code)
        _db.session.expire_all()
        assert _state() == before, (actor, method, url)
