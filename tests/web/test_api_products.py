"""Creating and changing products through the API: the product form's service and rules, ETag
and If-Match against lost updates (also under a real race), photos through the image pipeline,
facilitators naming the store they act for, and every write audited with the token's name."""

import io
import threading

from sqlalchemy import func, select

from marketplace.models import AuditEvent, Product, ProductImage, ShippingMethod, Variant
from marketplace.services.programme import facilitation
from tests.fixtures.api import bearer
from tests.fixtures.catalog import photo_bytes

URL = "/api/v1/vendor/products"


def _new_product(category_id: int, **fields) -> dict:
    return {"title": "Batik Tulis Pekalongan", "category_id": category_id,
            "weight_grams": 300, "status": "active", "option1_name": "Ukuran",
            "description": "Dibuat tangan.",
            "variants": [{"sku": "bt-m", "option1": "M", "price": 150000, "stock": 4},
                         {"sku": "bt-l", "option1": "L", "price": 165000, "stock": 2}],
            **fields}


def _count(model) -> int:
    from marketplace.extensions import db

    return db.session.scalar(select(func.count()).select_from(model))


def test_a_vendor_adds_a_product_with_variants(client, make_store, make_token, categories,
                                               db):
    store = make_store()
    auth = bearer(make_token(store.owner, ["store:write"]))
    category = categories["keripik-camilan"].id
    answer = client.post(URL, headers={**auth, "Idempotency-Key": "batik-1"},
                         json=_new_product(category))
    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    assert made["title"] == "Batik Tulis Pekalongan" and made["status"] == "active"
    assert [(v["sku"], v["option1"], v["price"]) for v in made["variants"]] == [
        ("BT-M", "M", 150000), ("BT-L", "L", 165000)]
    assert answer.headers["Location"] == f"{URL}/{made['id']}"
    assert answer.headers["ETag"] == client.get(answer.headers["Location"],
                                                headers=auth).headers["ETag"]
    product = db.session.get(Product, made["id"])
    assert product.store_id == store.id and (product.price_min, product.price_max,
                                             product.stock_total) == (150000, 165000, 6)
    # The client lost the answer and sends the same request again: still one product.
    again = client.post(URL, headers={**auth, "Idempotency-Key": "batik-1"},
                        json=_new_product(category))
    assert again.status_code == 201 and again.get_json()["id"] == made["id"]
    assert _count(Product) == 1
    unnamed = client.post(URL, headers=auth, json=_new_product(category, variants=[
        {"option1": "XL", "price": 170000}]))
    assert [v["sku"] for v in unnamed.get_json()["variants"]] == ["BTP-XL"]


def test_the_product_forms_rules_refuse_and_nothing_is_written(client, make_store, make_token,
                                                               categories, db):
    store = make_store()
    auth = {**bearer(make_token(store.owner, ["store:write"])), "Accept-Language": "en"}
    category = categories["keripik-camilan"].id
    cheap = client.post(URL, headers=auth, json=_new_product(category, variants=[
        {"sku": "a", "option1": "M", "price": 50}]))
    assert cheap.status_code == 422
    assert cheap.get_json()["errors"]["variants"].startswith("Variant 1:")
    assert "Rp100" in cheap.get_json()["errors"]["variants"]
    twice = client.post(URL, headers=auth, json=_new_product(category, variants=[
        {"sku": "a", "option1": "M", "price": 5000}, {"sku": "A", "option1": "L",
                                                      "price": 5000}]))
    assert twice.status_code == 422 and "A" in twice.get_json()["errors"]["sku"]
    no_option = client.post(URL, headers=auth, json=_new_product(category, variants=[
        {"sku": "a", "price": 5000}]))
    assert no_option.status_code == 422
    assert "Ukuran" in no_option.get_json()["errors"]["variants"]
    unknown = client.post(URL, headers=auth, json=_new_product(category, harga=5))
    assert unknown.status_code == 400 and unknown.get_json()["errors"] == {
        "harga": "Unknown field."}
    indonesian = client.post(URL, headers=bearer(make_token(store.owner, ["store:write"])),
                             json=_new_product(10**9))
    assert indonesian.status_code == 422
    assert indonesian.get_json()["errors"]["category_id"] == "Pilih kategori dari daftar."
    assert _count(Product) == _count(Variant) == 0


def test_a_change_needs_the_etag_of_the_version_it_was_made_on(client, make_product,
                                                               make_token, db):
    product = make_product(title="Keripik Tempe", price=15000, stock=5,
                           description="Renyah.")
    auth = bearer(make_token(product.store.owner, ["store:write"]))
    url = f"{URL}/{product.id}"
    read = client.get(url, headers=auth)
    etag = read.headers["ETag"]

    missing = client.patch(url, headers=auth, json={"title": "Keripik Tempe Pedas"})
    assert missing.status_code == 428 and missing.get_json()["error"]
    changed = client.patch(url, headers={**auth, "If-Match": etag},
                           json={"title": "Keripik Tempe Pedas", "pirt_number": None})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert body["title"] == "Keripik Tempe Pedas" and body["description"] == "Renyah."
    assert body["variants"] == read.get_json()["variants"]  # not sent: kept as they were
    assert changed.headers["ETag"] not in (etag, None)
    assert client.get(url, headers=auth).headers["ETag"] == changed.headers["ETag"]

    # A second client still holding the first ETag is refused, and nothing changes.
    stale = client.patch(url, headers={**auth, "If-Match": etag}, json={"title": "Basi"})
    assert stale.status_code == 412 and stale.get_json()["error"]
    assert stale.headers["ETag"] == changed.headers["ETag"]
    db.session.expire_all()
    assert db.session.get(Product, product.id).title == "Keripik Tempe Pedas"


def test_a_sale_between_read_and_write_makes_the_etag_stale(client, make_product, make_token,
                                                            make_order, shipping_store, db):
    product = make_product(store=shipping_store(), price=20000, stock=5)
    auth = bearer(make_token(product.store.owner, ["store:write"]))
    url = f"{URL}/{product.id}"
    read = client.get(url, headers=auth)
    make_order(items=[(product, 2)], shipping=ShippingMethod.COURIER)
    variants = [{**{k: v for k, v in row.items() if k != "active"}, "price": 25000}
                for row in read.get_json()["variants"]]
    refused = client.patch(url, headers={**auth, "If-Match": read.headers["ETag"]},
                           json={"variants": variants})
    assert refused.status_code == 412
    db.session.expire_all()
    variant = db.session.get(Variant, variants[0]["id"])
    assert (variant.price, variant.stock) == (20000, 3)  # the buyer's 2 units stay sold


def test_variants_change_as_on_the_product_form(client, make_product, make_token, db):
    product = make_product(option1_name="Rasa", variants=[
        {"sku": "KT-1", "option1": "Asin", "price": 10000, "stock": 3},
        {"sku": "KT-2", "option1": "Pedas", "price": 12000, "stock": 1}])
    auth = bearer(make_token(product.store.owner, ["store:write"]))
    url = f"{URL}/{product.id}"
    first, second = product.variants
    etag = client.get(url, headers=auth).headers["ETag"]
    answer = client.patch(url, headers={**auth, "If-Match": etag}, json={"variants": [
        {"id": first.id, "sku": "KT-1", "option1": "Asin", "price": 11000, "stock": 9},
        {"sku": "KT-3", "option1": "Manis", "price": 30000, "stock": 2}]})
    assert answer.status_code == 200, answer.get_json()
    rows = {v["sku"]: (v["price"], v["stock"], v["active"]) for v in
            answer.get_json()["variants"]}
    assert rows == {"KT-1": (11000, 9, True), "KT-3": (30000, 2, True),
                    "KT-2": (12000, 1, False)}  # left out: switched off, kept for old orders
    db.session.expire_all()
    assert db.session.get(Product, product.id).stock_total == 11
    assert db.session.get(Variant, second.id).active is False


def test_photos_go_through_the_image_pipeline(client, make_product, make_token, db):
    product = make_product()
    auth = {**bearer(make_token(product.store.owner, ["store:write"])), "Accept-Language": "en"}
    url = f"{URL}/{product.id}/photos"
    etag = client.get(f"{URL}/{product.id}", headers=auth).headers["ETag"]

    def send(data, name="foto.jpg", content_type="image/jpeg", **form):
        return client.post(url, headers=auth, content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(data), name, content_type),
                                 **form})

    added = send(photo_bytes(1600, 1200), alt="Keripik dalam kemasan 250 g")
    assert added.status_code == 201, added.get_json()
    photo = added.get_json()
    assert photo["position"] == 0 and photo["alt"] == "Keripik dalam kemasan 250 g"
    assert [r["width"] for r in photo["renditions"]] == [320, 640, 1280]
    assert client.get(photo["url"].removeprefix("http://localhost")).status_code == 200
    assert client.get(f"{URL}/{product.id}", headers=auth).headers["ETag"] != etag

    gif = send(photo_bytes(fmt="GIF"), "foto.gif", "image/gif")
    assert gif.status_code == 415 and "JPEG, PNG or WebP" in gif.get_json()["error"]
    big = send(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "besar.jpg")
    assert big.status_code == 413 and "10 MB" in big.get_json()["error"]
    fake = send(b"<html><script>alert(1)</script></html>", "foto.jpg",
                "application/octet-stream")
    assert fake.status_code == 422 and fake.get_json()["errors"]["image"]
    json_body = client.post(url, headers=auth, json={"photo": "x"})
    assert json_body.status_code == 415
    missing = client.post(url, headers=auth, content_type="multipart/form-data",
                          data={"alt": "tanpa foto"})
    assert missing.status_code == 400 and "photo" in missing.get_json()["errors"]
    db.session.expire_all()
    assert _count(ProductImage) == 1
    assert db.session.get(Product, product.id).cover_image_id is not None


def test_a_facilitator_acts_for_a_consenting_store_she_names(client, assisted_store,
                                                             make_facilitator, make_token,
                                                             categories, db):
    facilitator, store = assisted_store()
    auth = bearer(make_token(facilitator, ["store:write"], name="HP pendamping"))
    category = categories["keripik-camilan"].id
    acting = {**auth, "Acting-Store": str(store.id)}
    made = client.post(URL, headers=acting, json=_new_product(category))
    assert made.status_code == 201, made.get_json()
    assert db.session.get(Product, made.get_json()["id"]).store_id == store.id
    listed = client.get(URL, headers=acting).get_json()["items"]
    assert [p["id"] for p in listed] == [made.get_json()["id"]]
    assisted = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "assist")).all()
    assert [(e.actor_id, e.subject_id, e.via) for e in assisted] == [
        (facilitator.id, store.id, "API: HP pendamping")]

    # Without the header the facilitator has no store of her own to add to.
    assert client.post(URL, headers=auth, json=_new_product(category)).status_code == 404
    # Consent withdrawn: refused, and nothing changes.
    facilitation.set_consent(store.owner, False)
    db.session.commit()
    before = _count(Product)
    refused = client.post(URL, headers=acting, json=_new_product(category, title="Lain"))
    assert refused.status_code == 403 and refused.get_json()["error"]
    assert client.get(URL, headers=acting).status_code == 403
    assert _count(Product) == before


def test_a_facilitator_without_the_assignment_is_refused(client, make_facilitator, make_product,
                                                         make_token, db):
    product = make_product(title="Tenun Ikat", price=90000, stock=3)
    stranger = make_facilitator()
    auth = {**bearer(make_token(stranger, ["store:write", "orders:write"])),
            "Acting-Store": str(product.store_id)}
    url = f"{URL}/{product.id}"
    assert client.get(url, headers=auth).status_code == 403
    for answer in (
        client.post(URL, headers=auth, json=_new_product(product.category_id)),
        client.patch(url, headers={**auth, "If-Match": "*"}, json={"title": "Diambil"}),
        client.post(url + "/photos", headers=auth, content_type="multipart/form-data",
                    data={"photo": (io.BytesIO(photo_bytes()), "a.jpg")}),
        client.get("/api/v1/vendor/orders", headers=auth),
    ):
        assert answer.status_code == 403 and answer.get_json()["error"]
    # Naming no store does not help: another store's product looks absent.
    del auth["Acting-Store"]
    assert client.patch(url, headers={**auth, "If-Match": "*"},
                        json={"title": "Diambil"}).status_code == 404
    db.session.expire_all()
    assert (db.session.get(Product, product.id).title, _count(Product),
            _count(ProductImage)) == ("Tenun Ikat", 1, 0)
    for bad in ("satu", "0", "9" * 5000):
        assert client.get(URL, headers={**auth, "Acting-Store": bad}).status_code == 400


def test_every_write_is_audited_with_the_tokens_name(client, make_product, make_token, db):
    product = make_product()
    auth = bearer(make_token(product.store.owner, ["store:write"], name="Aplikasi kasir"))
    url = f"{URL}/{product.id}"
    client.patch(url, headers={**auth, "If-Match": client.get(url, headers=auth)
                               .headers["ETag"]}, json={"title": "Keripik Baru"})
    client.post(url + "/photos", headers=auth, content_type="multipart/form-data",
                data={"photo": (io.BytesIO(photo_bytes()), "a.jpg")})
    client.post(URL, headers=auth, json=_new_product(product.category_id))
    client.patch(url, headers={**auth, "If-Match": '"basi"'}, json={"title": "X"})  # refused
    rows = db.session.execute(select(AuditEvent.action, AuditEvent.via, AuditEvent.actor_id)
                              .where(AuditEvent.action.like("api.%"))
                              .order_by(AuditEvent.id)).all()
    owner = product.store.owner_id
    assert rows == [("api.change_product", "API: Aplikasi kasir", owner),
                    ("api.add_photo", "API: Aplikasi kasir", owner),
                    ("api.create_product", "API: Aplikasi kasir", owner)]


def test_two_writers_racing_with_one_etag_one_wins(app, db, db_kind, make_product, make_token):
    product = make_product(title="Awal")
    auth = bearer(make_token(product.store.owner, ["store:write"]))
    url = f"{URL}/{product.id}"
    etag = app.test_client().get(url, headers=auth).headers["ETag"]
    product_id = product.id
    db.session.remove()
    writers = 6
    start = threading.Barrier(writers)
    outcomes: list[tuple[int, str]] = []

    def write(number: int) -> None:
        client = app.test_client()
        start.wait()
        answer = client.patch(url, headers={**auth, "If-Match": etag},
                              json={"title": f"Penulis {number}"})
        outcomes.append((answer.status_code, f"Penulis {number}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    codes = sorted(code for code, _title in outcomes)
    print(f"\netag race[{db_kind}]: {writers} writers -> {codes}")
    assert codes == [200] + [412] * (writers - 1)
    winner = next(title for code, title in outcomes if code == 200)
    assert db.session.get(Product, product_id).title == winner


def test_a_photo_sent_again_with_its_key_is_added_once(client, make_product, make_token, db):
    product = make_product()
    auth = {**bearer(make_token(product.store.owner, ["store:write"])),
            "Idempotency-Key": "foto-1"}
    url = f"{URL}/{product.id}/photos"

    def send(data: bytes):
        # Each request is wrapped in a new multipart boundary, as a client's retry would be.
        return client.post(url, headers=auth, content_type="multipart/form-data",
                           data={"photo": (io.BytesIO(data), "a.jpg"), "alt": "Depan"})

    first, again = send(photo_bytes()), send(photo_bytes())
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = send(photo_bytes(color=(10, 200, 10)))
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["errors"]
    assert _count(ProductImage) == 1


def test_two_products_racing_for_one_sku_one_is_refused(app, db, db_kind, make_store,
                                                        make_token, categories):
    store = make_store()
    auth = bearer(make_token(store.owner, ["store:write"]))
    body = _new_product(categories["keripik-camilan"].id)
    db.session.remove()
    start = threading.Barrier(2)
    codes: list[int] = []

    def create() -> None:
        client = app.test_client()
        start.wait()
        codes.append(client.post(URL, headers=auth, json=body).status_code)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(codes) == [201, 422]
    assert _count(Product) == 1


def test_a_facilitator_lists_the_stores_she_may_name(client, assisted_store, make_store,
                                                     make_token, db):
    facilitator, first = assisted_store()
    _same, second = assisted_store(facilitator=facilitator)
    _same, refused = assisted_store(consent=False, facilitator=facilitator)
    mine = make_store(owner=facilitator)
    answer = client.get("/api/v1/vendor/stores",
                        headers=bearer(make_token(facilitator, ["store:write"])))
    assert answer.status_code == 200
    listed = [(s["id"], s["own"]) for s in answer.get_json()["items"]]
    others = sorted([first, second], key=lambda s: (s.name, s.id))
    assert listed == [(mine.id, True)] + [(s.id, False) for s in others]
    assert refused.id not in {s_id for s_id, _own in listed}
    owner = client.get("/api/v1/vendor/stores",
                       headers=bearer(make_token(first.owner, ["store:write"]))).get_json()
    assert owner["items"] == [{"id": first.id, "name": first.name, "slug": first.slug,
                               "own": True}]
