"""Seed the benchmark data set fast (bulk inserts), cached under .bench/ between runs.

10,000 stores and 100,000 products by default (`--size 1m`: 100,000 stores, 1,000,000
products). Rows go in with COPY on PostgreSQL and multi-row INSERTs on SQLite while the search
triggers are off; the index is then built once by `marketplace.search.schema.install` (the
same code the migration runs).
"""

import random
import sys
import time
from datetime import timedelta

from sqlalchemy import insert, select, text

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models import Category, Product, Store, User, Variant
from marketplace.search import schema
from marketplace.search.synonyms import install_defaults
from marketplace.seed.base import seed_categories

SIZES = {"100k": (10_000, 100_000), "1m": (100_000, 1_000_000)}
BATCH = 20_000

KINDS = {
    "keripik-camilan": ["Keripik Singkong", "Keripik Pisang", "Keripik Tempe", "Rengginang",
                        "Emping Melinjo", "Kerupuk Udang", "Keripik Talas", "Peyek Kacang"],
    "kue-roti": ["Bolu Kukus", "Kue Bawang", "Nastar", "Kastengel", "Roti Gambang"],
    "sambal-bumbu": ["Sambal Bawang", "Sambal Roa", "Bumbu Rendang", "Sambal Teri"],
    "minuman": ["Kopi Robusta", "Jahe Merah Instan", "Teh Rosela", "Wedang Uwuh"],
    "anyaman": ["Tas Anyaman Pandan", "Tikar Mendong", "Keranjang Rotan", "Topi Bambu"],
    "gerabah-keramik": ["Gelas Gerabah", "Vas Keramik", "Cobek Tanah Liat", "Pot Gerabah"],
    "kerajinan-kayu": ["Talenan Kayu Jati", "Sendok Kayu", "Miniatur Perahu Kayu"],
    "batik-tulis": ["Batik Tulis", "Kain Batik Tulis", "Selendang Batik"],
    "batik-cap": ["Batik Cap", "Kemeja Batik Cap", "Daster Batik"],
    "tenun-ikat": ["Kain Tenun Ikat", "Syal Tenun", "Sarung Tenun"],
    "songket": ["Kain Songket", "Selendang Songket"],
    "pakaian": ["Kemeja Lurik", "Gamis Katun", "Kaos Sablon"],
    "tas-dompet": ["Dompet Kulit", "Tas Rajut", "Tas Goni"],
    "aksesoris": ["Gelang Manik", "Bros Rajut", "Kalung Kerang"],
    "dapur": ["Serbet Tenun", "Tampah Bambu", "Kukusan Bambu"],
    "dekorasi": ["Lampu Hias Bambu", "Hiasan Dinding Kayu", "Bantal Sofa Batik"],
}
QUALIFIERS = ["Balado", "Original", "Pedas", "Manis", "Motif Parang", "Motif Kawung",
              "Motif Mega Mendung", "Pekalongan", "Solo", "Jepara", "Sumba", "Lombok",
              "Khas Garut", "Premium", "Ukuran Besar", "Mini", "Hitam", "Merah", "Alami"]
RARE = "Andaliman"  # in about one product in 5,000: the "rare word" search
PROVINCES = ["11", "12", "13", "31", "32", "33", "34", "35", "36", "51", "52", "53", "61",
             "63", "64", "71", "73", "81", "91"]
PASSWORD_HASH = "scrypt:32768:8:1$benchmark$not-a-real-hash"  # noqa: S105 (nobody logs in)


def _insert(conn, model, rows: list[dict]) -> None:
    """Insert `rows` (column keys as the model names them): COPY on PostgreSQL, which loads
    the 1M set several times faster than INSERT statements; columns a row leaves out get
    the model's plain default, as an INSERT through SQLAlchemy would."""
    if conn.dialect.name != "postgresql":
        conn.execute(insert(model), rows)
        return
    table = model.__table__
    given = list(rows[0])
    defaults = {c.key: getattr(c.default.arg, "value", c.default.arg) for c in table.columns
                if c.key not in given and c.default is not None and c.default.is_scalar}
    keys = [*given, *defaults]
    names = ", ".join(f'"{table.c[k].name}"' for k in keys)
    fixed = tuple(defaults.values())
    with conn.connection.driver_connection.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((*row.values(), *fixed))


def _batches(rows_fn, total: int):
    for start in range(0, total, BATCH):
        yield [rows_fn(i) for i in range(start, min(total, start + BATCH))]


def seed(size: str = "100k", out=sys.stdout) -> None:
    """Fill an empty database (already created with create_all) with the benchmark set."""
    n_stores, n_products = SIZES[size]
    rng = random.Random(20261127)
    started = time.perf_counter()
    seed_categories()
    install_defaults()
    db.session.commit()
    categories = {c.slug: c.id for c in db.session.scalars(select(Category))}
    leaf = [slug for slug in KINDS if slug in categories]
    conn = db.session.connection()
    schema.uninstall(conn)  # index once at the end, not row by row
    now = utcnow()

    for rows in _batches(lambda i: {
        "id": i + 1, "email": f"penjual{i + 1}@bench.invalid", "name": f"Penjual {i + 1}",
        "password_hash": PASSWORD_HASH, "is_vendor": True, "is_staff": False,
        "is_admin": False, "active": True, "created_at": now, "password_changed_at": now,
    }, n_stores):
        _insert(conn, User, rows)
    out.write(f"users: {n_stores}\n")

    def store_row(i: int) -> dict:
        province = PROVINCES[i % len(PROVINCES)]
        return {
            "id": i + 1, "owner_id": i + 1, "name": f"Toko {rng.choice(QUALIFIERS)} {i + 1}",
            "slug": f"toko-{i + 1}", "story": "Usaha keluarga lulusan PKH.",
            "province_code": province, "regency": "Kabupaten Contoh", "whatsapp": "+6281234567890",
            "bank_name": "BRI", "bank_account_number": "0123456789",
            "bank_account_holder": f"Penjual {i + 1}",
            "status": "verified" if i % 20 else "pending", "fee_rate_bp": 0,
            "self_delivery_enabled": False, "self_delivery_fee": 0, "pickup_enabled": True,
            "courier_enabled": True, "created_at": now, "updated_at": now, "verified_at": now,
        }

    for rows in _batches(store_row, n_stores):
        _insert(conn, Store, rows)
    out.write(f"stores: {n_stores}\n")

    def product_row(i: int) -> dict:
        slug = leaf[i % len(leaf)]
        kind = rng.choice(KINDS[slug])
        title = f"{kind} {rng.choice(QUALIFIERS)}"
        if i % 5000 == 17:
            title += f" {RARE}"
        price = rng.randrange(5, 500) * 1000
        created = now - timedelta(minutes=n_products - i)
        return {
            "id": i + 1, "store_id": rng.randrange(n_stores) + 1,
            "category_id": categories[slug], "title": title,
            "slug": title.lower().replace(" ", "-"),
            "description": f"{kind} buatan tangan, dikemas rapi. Kualitas terjaga.",
            "status": "active" if i % 25 else "draft", "weight_grams": 250,
            "pirt_verified": False, "halal_verified": False, "hidden": False,
            "price_min": price, "price_max": price, "stock_total": rng.randrange(0, 50),
            "sold_count": rng.randrange(0, 500), "rating_sum": 0, "rating_count": 0,
            "created_at": created, "updated_at": created, "published_at": created,
        }

    for number, rows in enumerate(_batches(product_row, n_products)):
        _insert(conn, Product, rows)
        _insert(conn, Variant, [{
            "product_id": r["id"], "sku": f"SKU-{r['id']}", "store_id": r["store_id"],
            "price": r["price_min"], "stock": r["stock_total"], "active": True, "position": 0,
        } for r in rows])
        out.write(f"products: {min(n_products, (number + 1) * BATCH)}\r")
        out.flush()
    out.write("\nindexing for search...\n")
    schema.install(conn)
    if conn.dialect.name == "postgresql":  # ids were given explicitly: move the sequences on
        for table in ("users", "stores", "products", "variants"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                              f"(SELECT max(id) FROM {table}))"))
    conn.execute(text("ANALYZE"))
    db.session.commit()
    out.write(f"seeded {n_stores} stores, {n_products} products in "
              f"{time.perf_counter() - started:.0f} s\n")
