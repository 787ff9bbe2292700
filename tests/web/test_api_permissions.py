"""Every token-guarded operation x every scope: a token without the operation's scope gets a
403 naming the scope, and nothing in the database changes."""

from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import ApiTokenKind, AuditEvent, Order, Product, ShippingMethod, Variant
from marketplace.services.api_tokens import SCOPES
from tests.fixtures.api import bearer


def _state() -> tuple:
    """What a write could change: prices, stock, product and order statuses, audit rows."""
    return (tuple(_db.session.execute(select(Variant.id, Variant.price, Variant.stock)
                                      .order_by(Variant.id)).all()),
            tuple(_db.session.execute(select(Product.id, Product.status)
                                      .order_by(Product.id)).all()),
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
                                     json={} if method == "post" else None)
                assert answer.status_code == 403, (method, path, scope, answer.status_code)
                assert f'scope="{needed}"' in answer.headers["WWW-Authenticate"]
                _db.session.expire_all()
                assert _state() == before, (method, path, scope)
                checked += 1
    assert checked >= 5 * len(SCOPES)
