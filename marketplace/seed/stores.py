"""Seed step 2: demo stores across several provinces, their products, variants and photos.

Built for the benchmark size (10,000 stores, 100,000 products): rows go in with bulk inserts
in chunks, every vendor shares one password hash, and products reuse a small set of photos
generated with Pillow and stored once through the real image pipeline.
"""

import io
import random
import time
from collections.abc import Iterator
from contextlib import nullcontext

import click
from flask import current_app
from PIL import Image, ImageDraw
from slugify import slugify
from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.images import store_image
from marketplace.models import (
    Category,
    CourierRate,
    Product,
    ProductImage,
    ProductStatus,
    Store,
    StoreStatus,
    User,
    Variant,
)
from marketplace.seed.base import DEMO_PASSWORD

CHUNK = 2000
VENDOR_EMAIL = "penjual{n}@contoh.id"

#: Province code -> regencies the demo stores are spread over.
REGIONS = {
    "33": ["Kota Pekalongan", "Kabupaten Sragen", "Kabupaten Jepara", "Kota Surakarta"],
    "34": ["Kabupaten Bantul", "Kota Yogyakarta", "Kabupaten Sleman"],
    "35": ["Kabupaten Tulungagung", "Kota Malang", "Kabupaten Banyuwangi"],
    "32": ["Kabupaten Tasikmalaya", "Kota Bandung", "Kabupaten Garut"],
    "51": ["Kabupaten Gianyar", "Kota Denpasar"],
    "53": ["Kabupaten Sumba Timur", "Kota Kupang"],
    "13": ["Kota Bukittinggi", "Kabupaten Tanah Datar"],
    "16": ["Kota Palembang", "Kabupaten Ogan Ilir"],
    "73": ["Kota Makassar", "Kabupaten Bulukumba"],
    "63": ["Kota Banjarmasin", "Kabupaten Banjar"],
}
FIRST_NAMES = ["Sri", "Siti", "Wati", "Yuni", "Ani", "Dewi", "Nur", "Rina", "Tuti", "Lestari",
               "Made", "Ketut", "Maria", "Fatimah", "Suparmi", "Endang", "Ratna", "Umi"]
STORE_WORDS = ["Berkah", "Mandiri", "Sejahtera", "Rejeki", "Lestari", "Makmur", "Barokah",
               "Sentosa", "Karya", "Bunda"]
#: category slug -> (titles, option type, option values, base price)
PRODUCTS = {
    "keripik-camilan": (["Keripik Singkong Balado", "Keripik Tempe Sagu", "Rempeyek Kacang",
                         "Keripik Pisang Manis", "Kerupuk Ikan Tenggiri"],
                        "Ukuran", ["100 g", "250 g", "500 g"], 12000),
    "kue-roti": (["Bolu Kukus Pandan", "Nastar Nanas", "Kue Bawang Gurih", "Lapis Legit"],
                 "Ukuran", ["Kecil", "Besar"], 35000),
    "sambal-bumbu": (["Sambal Bawang", "Sambal Roa", "Bumbu Pecel", "Bumbu Rendang"],
                     "Rasa", ["Sedang", "Pedas"], 20000),
    "minuman": (["Kopi Robusta Bubuk", "Jahe Merah Instan", "Teh Rosela", "Wedang Uwuh"],
                "Ukuran", ["200 g", "500 g"], 30000),
    "anyaman": (["Tas Anyaman Pandan", "Tikar Mendong", "Keranjang Rotan"], None, [], 85000),
    "gerabah-keramik": (["Cobek Tanah Liat", "Vas Gerabah", "Kendi Air"], None, [], 45000),
    "kerajinan-kayu": (["Talenan Kayu Jati", "Sendok Kayu Sonokeling", "Miniatur Perahu"],
                       None, [], 60000),
    "batik-tulis": (["Kain Batik Tulis Parang", "Kain Batik Tulis Mega Mendung"], None, [],
                    450000),
    "batik-cap": (["Kemeja Batik Cap", "Kain Batik Cap Kawung"], "Ukuran", ["M", "L", "XL"],
                  150000),
    "tenun-ikat": (["Kain Tenun Ikat Sumba", "Selendang Tenun"], None, [], 350000),
    "songket": (["Songket Palembang", "Songket Pandai Sikek"], None, [], 900000),
    "pakaian": (["Daster Batik", "Kaos Sablon Lokal"], "Ukuran", ["S", "M", "L", "XL"], 75000),
    "tas-dompet": (["Dompet Kulit", "Tas Rajut"], "Warna", ["Cokelat", "Hitam"], 95000),
    "aksesoris": (["Gelang Manik", "Bros Kain Perca"], None, [], 25000),
    "dapur": (["Serbet Tenun", "Centong Batok Kelapa"], None, [], 30000),
    "dekorasi": (["Lampu Hias Bambu", "Hiasan Dinding Makrame"], None, [], 120000),
}
FOOD = {"keripik-camilan", "kue-roti", "sambal-bumbu", "minuman"}
PHOTOS_PER_CATEGORY = 2


def _photo(seed: int) -> bytes:
    """A simple generated product photo: a coloured background with a few shapes."""
    rng = random.Random(seed)
    background = tuple(rng.randrange(120, 250) for _ in range(3))
    image = Image.new("RGB", (600, 600), background)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randrange(0, 450), rng.randrange(0, 450)
        size = rng.randrange(90, 220)
        color = tuple(rng.randrange(20, 200) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + size, y + size),
                                                                 fill=color)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _photos(categories: dict[str, Category]) -> dict[str, list[int]]:
    """A few generated photos per category, stored once (reused by every product)."""
    photos = {}
    for index, slug in enumerate(sorted(PRODUCTS)):
        if slug in categories:
            photos[slug] = [store_image(_photo(index * 10 + n)).id
                            for n in range(PHOTOS_PER_CATEGORY)]
    db.session.flush()
    return photos


def _reserve_ids(model, count: int) -> list[int]:
    """Ids for rows inserted in bulk without RETURNING (much faster for 100,000 rows); the
    seed is the only writer while it runs, and `_sync_sequence` puts PostgreSQL in step."""
    start = (db.session.scalar(select(func.max(model.id))) or 0) + 1
    return list(range(start, start + count))


def _sync_sequence(model) -> None:
    if db.engine.dialect.name == "postgresql":
        table = model.__tablename__
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def _search_refresh_in_batches() -> bool:
    """On PostgreSQL, the search index's per-row insert trigger costs ~5 ms a product; for
    100,000 products the seed switches it off (inside its transaction) and refreshes the
    index once per chunk instead. Only when the search schema is installed as expected."""
    if db.engine.dialect.name != "postgresql":
        return False
    found = db.session.execute(text(
        "SELECT to_regprocedure('product_search_refresh(integer[])') IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM pg_trigger WHERE tgname = 'product_search_ai' "
        "AND tgrelid = 'products'::regclass)")).scalar()
    return bool(found)


def _bulk(model, rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(model.__table__), rows)


def _bar(progress: bool, length: int, label: str):
    if progress and length:
        return click.progressbar(length=length, label=label, file=click.get_text_stream("stderr"))
    return nullcontext(None)


def _demo_stores() -> list[tuple[int, int, str, StoreStatus]]:
    """(store id, owner id, province code, status) of the demo stores, oldest first."""
    return list(db.session.execute(
        select(Store.id, Store.owner_id, Store.province_code, Store.status)
        .join(User, User.id == Store.owner_id)
        .where(User.email.like("penjual%@contoh.id")).order_by(Store.id)))


def _add_stores(wanted: int, progress: bool) -> int:
    existing = len(_demo_stores())
    missing = max(0, wanted - existing)
    if not missing:
        return 0
    password_hash = generate_password_hash(
        DEMO_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])
    taken_emails = set(db.session.scalars(select(User.email).where(
        User.email.like("penjual%@contoh.id"))))
    taken_slugs = set(db.session.scalars(select(Store.slug)))
    provinces = list(REGIONS)
    now = utcnow()
    number = existing
    with _bar(progress, missing, "Stores") as bar:
        for start in range(0, missing, CHUNK):
            users, stores = [], []
            for _ in range(min(CHUNK, missing - start)):
                number += 1
                while VENDOR_EMAIL.format(n=number) in taken_emails:
                    number += 1
                rng = random.Random(number)
                person = f"{rng.choice(FIRST_NAMES)} {rng.choice(STORE_WORDS)}"
                province = provinces[number % len(provinces)]
                name = f"{rng.choice(STORE_WORDS)} {rng.choice(FIRST_NAMES)} {number}"
                slug = slugify(name, max_length=80)
                while slug in taken_slugs:
                    slug = f"{slug}-{rng.randrange(10, 99)}"
                taken_slugs.add(slug)
                users.append({"email": VENDOR_EMAIL.format(n=number), "name": person,
                              "password_hash": password_hash, "is_vendor": True,
                              "created_at": now, "password_changed_at": now})
                verified = number % 10 != 0  # every tenth store still waits for staff
                stores.append({
                    "name": name, "slug": slug, "province_code": province,
                    "regency": REGIONS[province][number % len(REGIONS[province])],
                    "story": (f"Usaha rumahan {person} sejak lulus dari Program Keluarga "
                              f"Harapan. Dibuat dengan tangan, dikirim dari "
                              f"{REGIONS[province][0]}."),
                    "whatsapp": f"+62812{number:08d}"[:15],
                    "participant_code": f"PKH-{province}-{number:06d}",
                    "bank_name": ("BRI", "BNI", "Mandiri", "BSI")[number % 4],
                    "bank_account_number": f"{number:010d}",
                    "bank_account_holder": person,
                    "status": StoreStatus.VERIFIED if verified else StoreStatus.PENDING,
                    "verified_at": now if verified else None, "fee_rate_bp": 0,
                    "self_delivery_enabled": number % 3 == 0, "self_delivery_fee": 10000,
                    "pickup_enabled": True, "pickup_address": f"Jl. Melati No. {number % 90 + 1}",
                    "courier_enabled": True, "created_at": now, "updated_at": now,
                })
            owner_ids = _reserve_ids(User, len(users))
            for user, owner_id in zip(users, owner_ids, strict=True):
                user["id"] = owner_id
            _bulk(User, users)
            store_ids = _reserve_ids(Store, len(stores))
            for store, owner_id, store_id in zip(stores, owner_ids, store_ids, strict=True):
                store["owner_id"], store["id"] = owner_id, store_id
            _bulk(Store, stores)
            rates = [{"store_id": store_id, "province_code": code, "fee": fee}
                     for store_id, store in zip(store_ids, stores, strict=True)
                     for code, fee in ((store["province_code"], 10000), ("31", 25000),
                                       ("53", 45000))
                     if code != store["province_code"] or fee == 10000]
            _bulk(CourierRate, rates)
            if bar is not None:
                bar.update(len(stores))
    for model in (User, Store, CourierRate):
        _sync_sequence(model)
    return missing


def _add_products(wanted: int, progress: bool) -> tuple[int, int]:
    stores = _demo_stores()
    if not stores:
        return 0, 0
    store_ids = [s[0] for s in stores]
    existing = db.session.scalar(select(func.count(Product.id)).where(
        Product.store_id.in_(select(Store.id).join(User, User.id == Store.owner_id).where(
            User.email.like("penjual%@contoh.id"))))) or 0
    missing = max(0, wanted - existing)
    if not missing:
        return 0, 0
    categories = {c.slug: c for c in db.session.scalars(select(Category))}
    photos = _photos(categories)
    kinds = [slug for slug in sorted(PRODUCTS) if slug in categories]
    now = utcnow()
    variants_added = 0
    batch_search = _search_refresh_in_batches()
    if batch_search:
        db.session.execute(text("ALTER TABLE products DISABLE TRIGGER product_search_ai"))
    with _bar(progress, missing, "Products") as bar:
        for start in range(existing, existing + missing, CHUNK):
            end = min(start + CHUNK, existing + missing)
            rows, plans = [], []
            for number in range(start, end):
                rng = random.Random(number)
                slug = kinds[number % len(kinds)]
                titles, option_name, values, base = PRODUCTS[slug]
                title = f"{rng.choice(titles)} {STORE_WORDS[number % len(STORE_WORDS)]}"
                chosen = values[:rng.randrange(2, len(values) + 1)] if values else [None]
                prices = [base + 5000 * i + 1000 * (number % 7) for i in range(len(chosen))]
                stocks = [rng.randrange(0, 60) for _ in chosen]
                # One product in eight is a draft, spread over the kinds (number % 8 alone
                # would make every product of one kind a draft).
                active = (number // len(kinds)) % 8 != 7
                food = slug in FOOD
                rows.append({
                    "store_id": store_ids[number % len(store_ids)],
                    "category_id": categories[slug].id, "title": title,
                    "slug": slugify(title, max_length=120),
                    "description": (f"{title} buatan tangan.\nBahan pilihan dari daerah "
                                    f"sendiri, dikemas rapi."),
                    "status": ProductStatus.ACTIVE if active else ProductStatus.DRAFT,
                    "weight_grams": 250 if food else 600, "option1_name": option_name,
                    "pirt_number": f"2{number % 10**14:014d}" if food else None,
                    "price_min": min(prices), "price_max": max(prices),
                    "stock_total": sum(stocks), "sold_count": 0, "rating_sum": 0,
                    "rating_count": 0, "cover_image_id": photos[slug][number % 2],
                    "created_at": now, "updated_at": now,
                    "published_at": now if active else None,
                })
                plans.append((number, slug, chosen, prices, stocks))
            product_ids = _reserve_ids(Product, len(rows))
            for row, product_id in zip(rows, product_ids, strict=True):
                row["id"] = product_id
            _bulk(Product, rows)
            if batch_search:
                db.session.execute(text("SELECT product_search_refresh(CAST(:ids AS integer[]))"),
                                   {"ids": product_ids})
            variants, images = [], []
            for product_id, row, (number, slug, chosen, prices, stocks) in zip(
                    product_ids, rows, plans, strict=True):
                for position, (value, price, stock) in enumerate(
                        zip(chosen, prices, stocks, strict=True)):
                    variants.append({"product_id": product_id, "store_id": row["store_id"],
                                     "sku": f"D{number:06d}-{position + 1}", "option1": value,
                                     "price": price, "stock": stock, "active": True,
                                     "position": position})
                for position, image_id in enumerate(
                        [photos[slug][number % 2], photos[slug][(number + 1) % 2]]):
                    images.append({"product_id": product_id, "image_id": image_id,
                                   "position": position, "alt": row["title"]})
            _bulk(Variant, variants)
            _bulk(ProductImage, images)
            variants_added += len(variants)
            if bar is not None:
                bar.update(len(rows))
    if batch_search:
        db.session.execute(text("ALTER TABLE products ENABLE TRIGGER product_search_ai"))
    for model in (Product, Variant, ProductImage):
        _sync_sequence(model)
    return missing, variants_added


def seed_stores(stores: int, products: int, progress: bool = True) -> Iterator[str]:
    """Add demo stores and products up to the wanted numbers (never duplicates)."""
    started = time.perf_counter()
    added = _add_stores(stores, progress)
    db.session.flush()
    yield f"Stores: {added} added ({stores} wanted) in {time.perf_counter() - started:.1f} s."
    started = time.perf_counter()
    added_products, added_variants = _add_products(products, progress)
    db.session.flush()
    yield (f"Products: {added_products} added with {added_variants} variants "
           f"({products} wanted) in {time.perf_counter() - started:.1f} s.")
    if stores:
        yield f"Demo vendor: {VENDOR_EMAIL.format(n=1)} / {DEMO_PASSWORD}"
