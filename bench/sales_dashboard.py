"""Benchmark: the sales dashboard of one store with 50,000 orders, timed server-side.

    .venv/bin/python bench/sales_dashboard.py [--orders 50000] [--database-url URL] [--runs 7]

Builds a throwaway database (SQLite in a temp folder unless --database-url is given), bulk-inserts
one store's orders spread over the last 400 days (1-3 lines each, every status), then requests
/vendor/sales for each period through the app (test client, so no network) and prints the
median and worst server time per request, plus the SQL time alone. The figures are cached per
store until its orders change: the first run of each period is the cold one (computed), and
its CPU time is printed too, since other work on a shared machine stretches wall time.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from marketplace import create_app
from marketplace.clock import utcnow
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.models import (
    Checkout,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ShippingMethod,
    User,
)

STATUSES = ([OrderStatus.COMPLETED] * 14 + [OrderStatus.DELIVERED, OrderStatus.SHIPPED,
            OrderStatus.PROCESSING, OrderStatus.NEW, OrderStatus.CANCELLED,
            OrderStatus.AWAITING_PAYMENT])


def build(orders: int) -> tuple[int, int]:
    """One store with 20 products, 2,000 buyers and `orders` orders: (owner id, store id)."""
    from marketplace.seed.base import seed_categories
    from marketplace.services.catalog.listing import create_product
    from marketplace.services.stores.storefront import open_store
    from marketplace.services.stores.verification import verify_store
    from marketplace.services.users.accounts import create_user

    seed_categories()
    owner = create_user("bench.vendor@contoh.id", "Rahasia2026x", "buyer", name="Bu Bench")
    staff = create_user("bench.staff@contoh.id", "Rahasia2026x", "staff", name="Staf")
    store = open_store(owner, name="Toko Bench", province_code="33", regency="Kota Pekalongan",
                       whatsapp="081234567890", bank_name="BRI",
                       bank_account_number="0123456789", bank_account_holder="Bu Bench")
    verify_store(staff, store)
    from marketplace.models import Category

    category = db.session.scalar(db.select(Category).where(Category.parent_id.is_not(None)))
    products = [create_product(owner, store, title=f"Produk Bench {i}", category_id=category.id,
                               weight_grams=250, status="active",
                               variants=[{"sku": f"B-{i}", "price": 5000 + 1000 * i,
                                          "stock": 3 if i < 3 else 500}])
                for i in range(20)]
    db.session.commit()
    db.session.execute(insert(User), [
        {"email": f"bench.buyer{i}@contoh.id", "name": f"Pembeli {i}", "password_hash": "x"}
        for i in range(2000)])
    buyer_ids = list(db.session.scalars(db.select(User.id).where(User.email.like("bench.buyer%"))))
    variants = [(p.id, p.variants[0].id, p.variants[0].price, p.title, p.variants[0].sku)
                for p in products]
    rng = random.Random(6)
    now = utcnow()
    chunk = 5000
    with click.progressbar(length=orders, label="Orders") as bar:
        for first in range(0, orders, chunk):
            n = min(chunk, orders - first)
            checkouts, order_rows, line_rows = [], [], []
            base_checkout = first + 1
            for k in range(n):
                number = first + k + 1
                created = now - timedelta(seconds=rng.randint(0, 400 * 86400))
                lines = []
                for _ in range(rng.randint(1, 3)):
                    product_id, variant_id, price, title, sku = rng.choice(variants)
                    qty = rng.randint(1, 4)
                    lines.append({"order_id": number, "product_id": product_id,
                                  "variant_id": variant_id, "title": title, "sku": sku,
                                  "store_name": "Toko Bench", "unit_price": price,
                                  "quantity": qty, "line_total": price * qty,
                                  "variant_label": ""})
                subtotal = sum(line["line_total"] for line in lines)
                buyer_id = rng.choice(buyer_ids)
                checkouts.append({
                    "id": base_checkout + k, "reference": f"PM-BENCH-{number}",
                    "buyer_id": buyer_id, "payment_method": PaymentMethod.COD, "total": subtotal,
                    "recipient": "Pembeli", "phone": "+6281311112222", "province_code": "33",
                    "regency": "Kota Pekalongan", "district": "Barat", "street": "Jl. Merdeka",
                    "postal_code": "51111", "created_at": created})
                status = rng.choice(STATUSES)
                order_rows.append({
                    "id": number, "reference": f"INV-BENCH-{number}",
                    "checkout_id": base_checkout + k, "store_id": store.id,
                    "buyer_id": buyer_id, "status": status,
                    "payment_method": PaymentMethod.COD, "payment_status": PaymentStatus.PAID,
                    "subtotal": subtotal, "shipping_method": ShippingMethod.PICKUP,
                    "shipping_fee": 0, "total": subtotal, "refunded_amount": 0,
                    "units": sum(line["quantity"] for line in lines),
                    "created_at": created})
                line_rows.extend(lines)
            db.session.execute(insert(Checkout), checkouts)
            db.session.execute(insert(Order), order_rows)
            db.session.execute(insert(OrderLine), line_rows)
            db.session.commit()
            bar.update(n)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('orders_id_seq', (SELECT max(id) FROM orders))"))
        db.session.commit()
        # What autovacuum does on a live database: statistics and the visibility map, which
        # index-only scans need.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(db.text("VACUUM ANALYZE"))
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return owner.id, store.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="without --database-url: a temp SQLite file or a throwaway cluster")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pm-bench-"))
    cluster = None
    url = args.database_url or f"sqlite:///{folder / 'bench.db'}"
    if args.db == "postgres" and not args.database_url:
        from tests.support.postgres import Cluster

        cluster = Cluster()
        url = cluster.create_database("sales_bench")
    try:
        run(args, url, folder)
    finally:
        if cluster is not None:
            cluster.stop()


def run(args, url: str, folder: Path) -> None:
    """Build the data set and time the dashboard."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_DIR": str(folder / "media"),
                      "CACHE_DIR": str(folder / "cache"),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        with write_intent():
            owner_id, store_id = build(args.orders)
        print(f"Built {args.orders} orders in {time.perf_counter() - started:.1f} s on "
              f"{db.engine.dialect.name}.")
        from marketplace.models import Store
        from marketplace.services.payouts import sales

        store = db.session.get(Store, store_id)
        owner = db.session.get(User, owner_id)
        print("SQL only (sales.dashboard): cold (computed) wall and CPU time, then the median "
              "of the cached runs:")
        for period in sales.PERIODS:
            times = []
            for _ in range(args.runs):
                t0, cpu0 = time.perf_counter(), time.process_time()
                sales.dashboard(owner, store, period)
                times.append((time.perf_counter() - t0) * 1000)
                if len(times) == 1:
                    cold_cpu = (time.process_time() - cpu0) * 1000
            print(f"  {period:>3} days: cold {times[0]:6.1f} ms (CPU {cold_cpu:6.1f} ms), "
                  f"cached {statistics.median(times[1:] or times):6.1f} ms")
            from marketplace.extensions import cache

            cache.clear()  # the whole requests below start cold again
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{owner_id}:0"  # session version 0 of a seeded account
        session["_fresh"] = True
    print("Whole request GET /vendor/sales (server time: view + SQL + template):")
    for period in (7, 30, 90, 365):
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            response = client.get(f"/vendor/sales?period={period}")
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        print(f"  {period:>3} days: median {statistics.median(times):6.1f} ms, "
              f"worst {max(times):6.1f} ms")


if __name__ == "__main__":
    main()
