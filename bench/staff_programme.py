"""Benchmark of the programme dashboard (issue 7): 10,000 stores and 500,000 orders.

    python -m bench.staff_programme [--db sqlite|postgres] [--stores N] [--orders N] [--runs N]

Builds its own database (SQLite under .bench/staff/, or a database in the benchmark
PostgreSQL cluster), bulk-inserts stores, buyers, products, checkouts, orders, order lines,
ledger entries and income lines over the last 24 months, runs the full summary refresh, then
a day of changes (new orders, cancellations) and the incremental refresh that follows it, then
the people figures the refresh job computes for the cache once it has committed, then
renders /staff/programme as a logged-in staff member several times and prints the server time
of each request (median and worst) next to the refresh times.
"""

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from marketplace import create_app
from marketplace.app import ready_to_serve
from marketplace.extensions import db
from marketplace.models import (
    Category,
    Checkout,
    IncomeThreshold,
    LedgerEntry,
    MonthlyCategorySales,
    MonthlyProvinceSales,
    MonthlyStoreSales,
    Order,
    OrderLine,
    Product,
    ProgrammeBuyers,
    Store,
    User,
)
from marketplace.models.people import GroupMember, TrainingAttendance, TrainingEvent
from marketplace.regions import PROVINCES
from marketplace.seed.base import seed_categories
from marketplace.services.programme import indicators
from marketplace.services.stores import suspend_store
from marketplace.services.users.accounts import create_user

SUMMARY_TABLES = [model.__table__ for model in (
    MonthlyStoreSales, MonthlyProvinceSales, MonthlyCategorySales, ProgrammeBuyers)]
ROOT = Path(__file__).resolve().parent.parent / ".bench" / "staff"
BATCH = 20_000
MONTHS = 24
PASSWORD_HASH = "scrypt:32768:8:1$benchmark$not-a-real-hash"  # noqa: S105 (nobody logs in)
STAFF_PASSWORD = "Kopi2026tubruk"  # noqa: S105 (a throwaway benchmark database)


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[start:start + BATCH])


def generate(stores: int, orders: int, out=print) -> None:
    """Bulk rows straight into the tables (no services: this is about reading speed)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.perf_counter()
    seed_categories()
    leaves = [c.id for c in db.session.scalars(select(Category).where(
        Category.parent_id.is_not(None)))]
    codes = sorted(PROVINCES)
    buyers = max(1, orders // 10)
    first_user = (db.session.scalar(select(db.func.max(User.id))) or 0) + 1
    _insert(User, [{"email": f"v{i}@bench.id", "name": f"Vendor {i}", "password_hash":
                    PASSWORD_HASH, "is_vendor": True} for i in range(stores)])
    _insert(User, [{"email": f"b{i}@bench.id", "name": f"Buyer {i}", "password_hash":
                    PASSWORD_HASH} for i in range(buyers)])
    store_province = [codes[i % len(codes)] for i in range(stores)]
    _insert(Store, [{
        "owner_id": first_user + i, "name": f"Toko {i}", "slug": f"toko-{i}",
        "province_code": store_province[i], "regency": f"Kota {i % 50}",
        "whatsapp": "+6281234567890", "bank_name": "BRI", "bank_account_number": "0123456789",
        "bank_account_holder": f"Vendor {i}", "status": "verified" if i % 10 else "pending",
        "verified_at": now - timedelta(days=rng.randint(1, 30 * MONTHS)) if i % 10 else None,
        "created_at": now - timedelta(days=30 * MONTHS),
    } for i in range(stores)])
    first_store = db.session.scalar(select(db.func.min(Store.id)))
    _insert(Product, [{"store_id": first_store + i, "category_id": leaves[i % len(leaves)],
                       "title": f"Produk {i}", "slug": f"produk-{i}", "weight_grams": 250,
                       "status": "active"} for i in range(stores)])
    first_product = db.session.scalar(select(db.func.min(Product.id)))
    out(f"  users, stores, products: {time.perf_counter() - started:.1f} s")
    first_buyer = first_user + stores
    next_id = (db.session.scalar(select(db.func.max(Order.id))) or 0) + 1
    for chunk in range(0, orders, BATCH):
        checkouts, order_rows, lines, ledger = [], [], [], []
        for n in range(chunk, min(orders, chunk + BATCH)):
            ident = next_id + n
            store = rng.randrange(stores)
            buyer = first_buyer + rng.randrange(buyers)
            created = now - timedelta(minutes=rng.randrange(MONTHS * 30 * 24 * 60))
            quantity = rng.randint(1, 3)
            price = rng.randrange(10_000, 300_000, 500)
            total = price * quantity
            roll = rng.random()
            status = ("completed" if roll < .85 else "cancelled" if roll < .95
                      else "awaiting_payment")
            checkouts.append({"id": ident, "reference": f"PM-{ident}", "buyer_id": buyer,
                              "payment_method": "cod", "total": total, "recipient": "Bench",
                              "phone": "+6281234567890", "province_code": "33",
                              "regency": "Kota", "district": "D", "street": "Jl. 1",
                              "postal_code": "51111", "created_at": created})
            order_rows.append({"id": ident, "reference": f"INV-{ident}", "checkout_id": ident,
                               "store_id": first_store + store, "buyer_id": buyer,
                               "status": status, "payment_method": "cod",
                               "payment_status": "paid" if status == "completed" else "pending",
                               "subtotal": total, "shipping_method": "pickup",
                               "shipping_fee": 0, "total": total, "created_at": created})
            lines.append({"order_id": ident, "product_id": first_product + store,
                          "title": f"Produk {store}", "sku": f"SKU-{store}",
                          "store_name": f"Toko {store}", "unit_price": price,
                          "quantity": quantity, "line_total": total})
            if status == "completed":
                ledger.append({"store_id": first_store + store, "order_id": ident,
                               "kind": "sale", "amount": total, "created_at": created})
        _insert(Checkout, checkouts)
        _insert(Order, order_rows)
        _insert(OrderLine, lines)
        _insert(LedgerEntry, ledger)
        db.session.commit()
        out(f"  orders {min(orders, chunk + BATCH):>7}: {time.perf_counter() - started:.1f} s")
    staff = create_user("staf@bench.id", STAFF_PASSWORD, "staff", name="Staf Bench")
    for code in codes:
        db.session.add(IncomeThreshold(kind="ump", province_code=code, regency=None,
                                       amount=rng.randrange(1_500_000, 3_500_000, 100_000),
                                       effective_from=date(2020, 1, 1),
                                       created_by_id=staff.id))
    db.session.flush()
    # The dashboard's training outcomes and household incomes read these: a training a month
    # per province over the two years, attended by a third of the owners; one store in
    # twenty run by a group of three households.
    _insert(TrainingEvent, [{
        "topic": f"Pelatihan {n}", "ministry": "kemenperin", "online": False, "trainer": "Bench",
        "held_on": (now - timedelta(days=30 * (n // len(codes)))).date(),
        "province_code": codes[n % len(codes)], "created_by_id": staff.id,
    } for n in range(MONTHS * len(codes))])
    first_event = db.session.scalar(select(db.func.min(TrainingEvent.id)))
    _insert(TrainingAttendance, [{
        "event_id": first_event + rng.randrange(MONTHS) * len(codes) + codes.index(
            store_province[i]), "user_id": first_user + i, "recorded_by_id": staff.id,
    } for i in range(0, stores, 3)])
    members = []
    for i in range(0, stores, 20):
        joined = now - timedelta(days=30 * MONTHS)
        members += [{"store_id": first_store + i, "user_id": user, "role": role,
                     "share_bp": share, "joined_at": joined, "added_by_id": first_user + i}
                    for user, role, share in ((first_user + i, "owner", 5000),
                                              (first_buyer + i, "member", 3000),
                                              (first_buyer + i + 1, "member", 2000))]
    _insert(GroupMember, members)
    db.session.commit()


def day_of_changes(new_orders: int, cancels: int) -> None:
    """What a busy day brings between two refreshes: orders placed now (with their lines and
    ledger sales) and orders of the last two months cancelled now (a buyer or seller cancels
    before shipping, within days of the order)."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    stores = db.session.execute(select(Store.id, Product.id).join(
        Product, Product.store_id == Store.id)).all()
    buyers = db.session.scalars(select(User.id).where(User.email.like("b%@bench.id"))).all()
    next_id = db.session.scalar(select(db.func.max(Order.id))) + 1
    checkouts, order_rows, lines, ledger = [], [], [], []
    for ident in range(next_id, next_id + new_orders):
        store_id, product_id = rng.choice(stores)
        buyer = rng.choice(buyers)
        total = rng.randrange(10_000, 300_000, 500)
        checkouts.append({"id": ident, "reference": f"PM-{ident}", "buyer_id": buyer,
                          "payment_method": "cod", "total": total, "recipient": "Bench",
                          "phone": "+6281234567890", "province_code": "33", "regency": "Kota",
                          "district": "D", "street": "Jl. 1", "postal_code": "51111",
                          "created_at": now})
        order_rows.append({"id": ident, "reference": f"INV-{ident}", "checkout_id": ident,
                           "store_id": store_id, "buyer_id": buyer, "status": "completed",
                           "payment_method": "cod", "payment_status": "paid",
                           "subtotal": total, "shipping_method": "pickup", "shipping_fee": 0,
                           "total": total, "created_at": now, "paid_at": now})
        lines.append({"order_id": ident, "product_id": product_id, "title": "Produk",
                      "sku": "SKU", "store_name": "Toko", "unit_price": total, "quantity": 1,
                      "line_total": total})
        ledger.append({"store_id": store_id, "order_id": ident, "kind": "sale",
                       "amount": total, "created_at": now})
    _insert(Checkout, checkouts)
    _insert(Order, order_rows)
    _insert(OrderLine, lines)
    _insert(LedgerEntry, ledger)
    recent = now - timedelta(days=60)
    old = db.session.scalars(select(Order.id).where(Order.status == "completed",
                                                    Order.id < next_id,
                                                    Order.created_at >= recent)
                             .order_by(Order.id).limit(cancels * 20)).all()[::20]
    db.session.execute(db.update(Order).where(Order.id.in_(old))
                       .values(status="cancelled", cancelled_at=now))
    db.session.commit()


def database_url(kind: str, reuse: bool = False) -> str:
    if kind == "postgres":
        from bench.pg import BenchCluster

        cluster = BenchCluster(ROOT.parent / "pg")
        cluster.start()
        return cluster.ensure_database("staff_bench")
    ROOT.mkdir(parents=True, exist_ok=True)
    path = ROOT / "staff_bench.db"
    for suffix in ("", "-wal", "-shm") if not reuse else ():
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--new-orders", type=int, default=2_000,
                        help="orders placed between the full and the incremental refresh")
    parser.add_argument("--cancels", type=int, default=200,
                        help="older orders cancelled between the two refreshes")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data of the previous run (only refresh and measure)")
    args = parser.parse_args()
    url = database_url(args.db, args.reuse)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
                      "MAIL_SERVER": None,
                      # The people figures' warm-up, queued by each commit that changes what
                      # they read, runs in the commit here, where it can be timed.
                      "JOBS_INLINE": True})
    with app.app_context():
        if args.reuse:  # the summary tables may have changed shape since the data were made
            for table in SUMMARY_TABLES:
                table.drop(db.engine, checkfirst=True)
                table.create(db.engine)
        else:
            db.session.remove()
            db.drop_all()
            db.create_all()
            print(f"Generating {args.stores} stores and {args.orders} orders ({args.db})...")
            generate(args.stores, args.orders)
        started = time.perf_counter()
        refreshed = indicators.refresh_summaries(full=True)
        refresh_s = time.perf_counter() - started
        db.session.commit()
        print(f"Full refresh: {refreshed.rows} summary rows in {refresh_s:.2f} s")
        day_of_changes(args.new_orders, args.cancels)
        started, cpu = time.perf_counter(), time.process_time()
        refreshed = indicators.refresh_summaries()
        print(f"Incremental refresh after {args.new_orders} new orders and {args.cancels} "
              f"cancellations: {refreshed.rows} summary rows in "
              f"{time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s)")
        started = time.perf_counter()
        db.session.commit()
        print(f"Its commit, with the nationwide people figures computed for the cache by the "
              f"job it queues: {(time.perf_counter() - started) * 1000:.0f} ms (what the next "
              f"viewer would otherwise wait for)")
    client = ready_to_serve(app).test_client()  # as a gunicorn worker serves it
    response = client.post("/login", data={"email": "staf@bench.id", "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.status_code
    timings = {}
    for label, url_path in [("all provinces", "/staff/programme"),
                            ("one province", "/staff/programme?province=33"),
                            ("6 months above the UMP", "/staff/programme?months=6")]:
        runs = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url_path)
            runs.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        timings[label] = runs
    print(f"\nProgramme dashboard, {args.stores:,} stores / {args.orders:,} orders, {args.db}, "
          f"server time per request over {args.runs} runs (first run included):")
    for label, runs in timings.items():
        print(f"  {label:<24} median {statistics.median(runs):6.0f} ms   "
              f"worst {max(runs):6.0f} ms")
    with app.app_context():
        # A change other than a refresh: its commit pays for the figures, not the next viewer.
        staff = db.session.scalar(select(User).where(User.email == "staf@bench.id"))
        store = db.session.scalar(select(Store).where(Store.status == "verified").limit(1))
        started = time.perf_counter()
        suspend_store(staff, store, "Bench: a change to what the people figures read")
        db.session.commit()
        committed_ms = (time.perf_counter() - started) * 1000
        db.session.remove()
    started = time.perf_counter()
    assert client.get("/staff/programme").status_code == 200
    print(f"  a store suspended (commit {committed_ms:.0f} ms, figures included), then all "
          f"provinces: {(time.perf_counter() - started) * 1000:.0f} ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
