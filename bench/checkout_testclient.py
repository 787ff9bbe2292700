"""Benchmark: placing orders through POST /checkout (two stores per cart), in-process.

    .venv/bin/python bench/checkout_testclient.py [--buyers 300] [--threads 1] [--database-url URL]

Builds a throwaway database (SQLite in a temp folder unless --database-url is given) with two
verified stores, one product each, and `--buyers` buyers whose carts hold both products. Then
every buyer checks out (cash on delivery, self-delivery) through the Flask test client, from
`--threads` threads, and the script prints checkouts per second. Each request validates the
address, recomputes prices, reserves stock with conditional UPDATEs, writes one checkout, two
orders, lines, events and three queued emails (logged, no SMTP), and commits.
"""

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from marketplace import create_app
from marketplace.database import write_intent
from marketplace.extensions import db
from marketplace.models import Category, Order, User

ADDRESS = {"recipient": "Siti Aminah", "phone": "081311112222", "province_code": "33",
           "regency": "Kota Pekalongan", "district": "Pekalongan Barat",
           "street": "Jl. Merdeka No. 5", "postal_code": "51111"}


def build(buyers: int) -> tuple[list[int], list[int]]:
    """Two stores with one product each, and buyers whose carts hold both: (buyer ids, stores)."""
    from marketplace.seed.base import seed_categories
    from marketplace.services.catalog.listing import create_product
    from marketplace.services.orders.cart import add_to_cart, cart_for_user
    from marketplace.services.stores.storefront import open_store
    from marketplace.services.stores.verification import verify_store
    from marketplace.services.users.accounts import create_user

    seed_categories()
    staff = create_user("bench.staff@contoh.id", "Rahasia2026x", "staff", name="Staf")
    category = db.session.scalar(select(Category).where(Category.parent_id.is_not(None)))
    stores, variants = [], []
    for i in range(2):
        owner = create_user(f"bench.vendor{i}@contoh.id", "Rahasia2026x", "buyer",
                            name=f"Penjual {i}")
        store = open_store(owner, name=f"Toko Bench {i}", province_code="33",
                           regency="Kota Pekalongan", whatsapp="081234567890", bank_name="BRI",
                           bank_account_number="0123456789", bank_account_holder="Penjual")
        verify_store(staff, store)
        product = create_product(owner, store, title=f"Produk Bench {i}",
                                 category_id=category.id, weight_grams=250, status="active",
                                 variants=[{"sku": f"CB-{i}", "price": 15000 + 5000 * i,
                                            "stock": buyers * 2}])
        stores.append(store.id)
        variants.append(product.variants[0].id)
    db.session.commit()
    db.session.execute(insert(User), [
        {"email": f"bench.buyer{i}@contoh.id", "name": f"Pembeli {i}", "password_hash": "x"}
        for i in range(buyers)])
    ids = list(db.session.scalars(select(User.id).where(User.email.like("bench.buyer%"))))
    for user_id in ids:
        cart = cart_for_user(db.session.get(User, user_id))
        for variant_id in variants:
            add_to_cart(cart, variant_id, 1)
    db.session.commit()
    return ids, stores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=300)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    logging.disable(logging.INFO)  # the outbox logs every email otherwise
    tmp = tempfile.mkdtemp(prefix="bench-checkout-")
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MEDIA_DIR": tmp, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench", "MAIL_SERVER": None,
                      "STRIPE_SECRET_KEY": None})
    with app.app_context(), write_intent():
        db.drop_all()
        db.create_all()
        ids, stores = build(args.buyers)
    form = {**ADDRESS, "method": "cod", "action": "place",
            **{f"shipping-{sid}": "self_delivery" for sid in stores}}
    chunks = [ids[i::args.threads] for i in range(args.threads)]
    failures: list[int] = []

    def run(chunk: list[int]) -> None:
        client = app.test_client()
        for user_id in chunk:
            with client.session_transaction() as session:
                session["_user_id"] = f"{user_id}:0"  # a new account: session version 0
                session["_fresh"] = True
            response = client.post("/checkout", data=form)
            if response.status_code != 302:
                failures.append(response.status_code)

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    with app.app_context():
        orders = db.session.scalar(select(func.count(Order.id)))
        dialect = db.engine.dialect.name
        db.session.remove()
        db.drop_all()
    print(f"checkout bench [{dialect}]: buyers={len(ids)} threads={args.threads} "
          f"orders={orders} failures={len(failures)} time={elapsed:.2f}s "
          f"checkouts/s={len(ids) / elapsed:.1f}")


if __name__ == "__main__":
    main()
