"""The vendor API: the vendor pages' services through tokens; all-or-nothing bulk edits,
idempotent POSTs, order steps, audit rows naming the token, and bad input as JSON 4xx."""

from sqlalchemy import select

from marketplace.models import AuditEvent, OrderEvent, OrderStatus, ShippingMethod, Variant
from marketplace.services.catalog.inventory import reserve_stock
from tests.fixtures.api import bearer


def _vendor(make_product, make_token, scopes=("store:write", "orders:write")):
    product = make_product(title="Keripik Tempe", price=15000, stock=5)
    return product, bearer(make_token(product.store.owner, list(scopes)))


def test_bulk_price_and_stock_is_all_or_nothing(client, make_product, make_token, db):
    product, auth = _vendor(make_product, make_token)
    other = make_product(title="Batik orang lain")
    variant_id, foreign_id = product.variants[0].id, other.variants[0].id
    refused = client.post("/api/v1/vendor/variants/prices-stock", headers=auth, json={"rows": [
        {"variant_id": variant_id, "price": 20000, "stock": 7},
        {"variant_id": variant_id, "price": 50, "stock": 7},
        {"variant_id": foreign_id, "price": 20000, "stock": 1}]})
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]) == {"rows.1.price", "rows.2.variant_id"}
    db.session.expire_all()
    assert (db.session.get(Variant, variant_id).price, db.session.get(Variant, foreign_id)
            .price) == (15000, other.variants[0].price)

    done = client.post("/api/v1/vendor/variants/prices-stock", headers=auth, json={"rows": [
        {"variant_id": variant_id, "price": 20000, "stock": 7}]})
    assert done.status_code == 200 and done.get_json() == {"updated": 1}
    db.session.expire_all()
    assert (db.session.get(Variant, variant_id).price, db.session.get(Variant, variant_id)
            .stock) == (20000, 7)


def test_bulk_edit_with_a_stale_seen_stock_changes_nothing(client, make_product, make_token,
                                                          db):
    """A sale between the read and the write: the row typed from the old stock is refused,
    naming the variant, and the other rows of the request are not applied either."""
    product, auth = _vendor(make_product, make_token)
    other = make_product(store=product.store, variants=[{"sku": "KT-PEDAS", "price": 9000,
                                                         "stock": 4}])
    variant, untouched = product.variants[0], other.variants[0]
    reserve_stock({variant.id: 2}, {variant.id: product.title})
    db.session.commit()
    url = "/api/v1/vendor/variants/prices-stock"
    stale = client.post(url, headers=auth, json={"rows": [
        {"variant_id": untouched.id, "price": 9500, "stock": 6, "seen_stock": 4},
        {"variant_id": variant.id, "price": 16000, "stock": 5, "seen_stock": 5}]})
    assert stale.status_code == 422
    assert stale.get_json()["errors"] == {"rows.1.seen_stock": (
        f"Varian {variant.sku}: Stok berubah menjadi 3 setelah halaman ini Anda buka "
        "(ada penjualan). Periksa lalu simpan lagi.")}
    db.session.expire_all()
    assert (variant.price, variant.stock, untouched.price, untouched.stock) == (15000, 3, 9000, 4)

    fresh = client.post(url, headers=auth, json={"rows": [
        {"variant_id": untouched.id, "price": 9500, "stock": 6, "seen_stock": 4},
        {"variant_id": variant.id, "price": 16000, "stock": 5, "seen_stock": 3}]})
    assert fresh.status_code == 200 and fresh.get_json() == {"updated": 2}
    db.session.expire_all()
    assert (variant.price, variant.stock, untouched.price, untouched.stock) == (16000, 5, 9500, 6)

    reserve_stock({variant.id: 1}, {variant.id: product.title})
    db.session.commit()
    blind = client.post(url, headers=auth, json={"rows": [
        {"variant_id": variant.id, "price": 17000, "stock": 8}]})
    assert blind.status_code == 200
    db.session.expire_all()
    assert (variant.price, variant.stock) == (17000, 8)


def test_idempotency_key_replays_the_first_answer(client, make_product, make_token, db):
    product, auth = _vendor(make_product, make_token)
    url = f"/api/v1/vendor/products/{product.id}/archive"
    headers = {**auth, "Idempotency-Key": "arsip-1"}
    first = client.post(url, headers=headers)
    again = client.post(url, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    rows = {"rows": [{"variant_id": product.variants[0].id, "price": 30000, "stock": 1}]}
    client.post("/api/v1/vendor/variants/prices-stock", json=rows,
                headers={**auth, "Idempotency-Key": "harga-1"})
    reused = client.post("/api/v1/vendor/variants/prices-stock",
                         json={"rows": [{**rows["rows"][0], "price": 99000}]},
                         headers={**auth, "Idempotency-Key": "harga-1"})
    assert reused.status_code == 422 and "Idempotency-Key" in reused.get_json()["errors"]
    db.session.expire_all()
    assert db.session.get(Variant, product.variants[0].id).price == 30000


def test_order_steps_through_the_api(client, make_product, make_token, make_order,
                                     shipping_store, db):
    product = make_product(store=shipping_store(), price=20000, stock=10)
    auth = bearer(make_token(product.store.owner, ["orders:write"]))
    checkout = make_order(items=[(product, 1)], shipping=ShippingMethod.COURIER)
    order = checkout.orders[0]
    listing = client.get("/api/v1/vendor/orders?status=new", headers=auth).get_json()
    assert [o["reference"] for o in listing["items"]] == [order.reference]
    base = f"/api/v1/vendor/orders/{order.reference}"
    assert client.post(base + "/accept", headers=auth).get_json()["status"] == "processing"
    bad = client.post(base + "/ship", headers=auth, json={"courier": "JNE"})
    assert bad.status_code == 422
    shipped = client.post(base + "/ship", headers=auth,
                          json={"courier": "JNE", "tracking_number": "JNE0012345678"})
    assert shipped.get_json()["status"] == "shipped"
    assert shipped.get_json()["tracking_number"] == "JNE0012345678"
    too_late = client.post(base + "/cancel", headers=auth, json={"reason": "Habis"})
    assert too_late.status_code == 409
    statuses = db.session.scalars(select(OrderEvent.to_status).where(
        OrderEvent.order_id == order.id).order_by(OrderEvent.id)).all()
    assert OrderStatus.SHIPPED in statuses


def test_archive_is_audited_via_the_token(client, make_product, make_token, db):
    product, auth = _vendor(make_product, make_token)
    client.post(f"/api/v1/vendor/products/{product.id}/archive", headers=auth)
    vias = db.session.scalars(select(AuditEvent.via).where(AuditEvent.via.is_not(None))).all()
    assert all(via == "API: Aplikasi kasir" for via in vias)


def test_bad_bodies_are_clear_json_errors(app, client, make_product, make_token, db):
    product, auth = _vendor(make_product, make_token)
    url = "/api/v1/vendor/variants/prices-stock"
    en = {**auth, "Accept-Language": "en"}
    malformed = client.post(url, headers=en, data='{"rows": [1,', content_type="application/json")
    assert malformed.status_code == 400
    assert "line 1, column 13" in malformed.get_json()["error"]
    assert client.post(url, headers=en, data="rows=1").status_code == 415
    unknown = client.post(url, headers=en, json={"rows": [
        {"variant_id": product.variants[0].id, "price": 1000, "stock": 1, "warna": "x"}],
        "diskon": 5})
    assert unknown.status_code == 400
    assert unknown.get_json()["errors"] == {"diskon": "Unknown field.",
                                            "rows.0.warna": "Unknown field."}
    huge = client.post(url, headers=en, json={"rows": [
        {"variant_id": 2**63, "price": 2**70, "stock": -1}]})
    assert huge.status_code == 400
    assert set(huge.get_json()["errors"]) == {"rows.0.variant_id", "rows.0.price",
                                              "rows.0.stock"}
    big = client.post(url, headers=en, data=b'{"rows": [' + b" " * 300_000 + b"]}",
                      content_type="application/json")
    assert big.status_code == 413 and big.get_json()["error"]
    db.session.expire_all()
    assert db.session.get(Variant, product.variants[0].id).price == 15000


def test_the_product_list_pages_by_cursor_without_gaps(client, make_product, make_token, db):
    product, auth = _vendor(make_product, make_token)
    more = [make_product(store=product.store, title=f"Keripik {n}") for n in range(2)]
    make_product(title="Produk toko lain")
    first = client.get("/api/v1/vendor/products?limit=2", headers=auth).get_json()
    assert [p["id"] for p in first["items"]] == [more[1].id, more[0].id]
    second = client.get(f"/api/v1/vendor/products?limit=2&cursor={first['next_cursor']}",
                        headers=auth).get_json()
    assert [p["id"] for p in second["items"]] == [product.id]
    assert second["next_cursor"] is None
