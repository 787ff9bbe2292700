"""The Flask CLI: users create and seed-demo."""

from sqlalchemy import func, select

from marketplace.models import Category, Product, ProductStatus, Store, StoreStatus, User


def test_users_create_any_role(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "staf@kemenperin.go.id",
                                 "--password", "Kemenperin2026", "--role", "staff"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.is_staff and not user.is_admin
    bad = runner.invoke(args=["users", "create", "--email", "x@contoh.id", "--password",
                              "short", "--role", "buyer"])
    assert bad.exit_code != 0 and "8" in bad.output


def test_seed_demo_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--quiet", "--stores", "2", "--products", "6",
                                "--orders", "2"])
    assert first.exit_code == 0, first.output
    assert "staf@kemensos.go.id" in first.output
    # The logins come last, after the seeding log, where `make run` leaves them on screen.
    tail = first.output.rstrip("\n").split("\n")
    start = tail.index("Demo logins:")
    assert all(line.startswith("  Demo ") for line in tail[start + 1:])
    assert not any(line.startswith("Demo ") for line in tail[:start])
    assert len(tail) - start > 4
    # The demo shows its features: vendors featured on the home page, keripik on sale.
    home = app.test_client().get("/").get_data(as_text=True)
    featured = home[home.index('id="featured-title"'):home.index('id="categories-title"')]
    assert featured.count("/s/") >= 2
    assert "produk" in app.test_client().get("/search?q=keripik").get_data(as_text=True)
    on_sale = select(func.count(func.distinct(Product.category_id))).join(Product.store).where(
        Store.status == StoreStatus.VERIFIED)
    assert (db.session.scalar(on_sale.where(Product.status == ProductStatus.ACTIVE))
            == db.session.scalar(on_sale))  # no kind of product of a verified store is all drafts
    counts = (db.session.scalar(select(func.count()).select_from(Category)),
              db.session.scalar(select(func.count()).select_from(User)))
    second = runner.invoke(args=["seed-demo", "--quiet", "--stores", "2", "--products", "6",
                                 "--orders", "2"])
    assert second.exit_code == 0, second.output
    assert counts == (db.session.scalar(select(func.count()).select_from(Category)),
                      db.session.scalar(select(func.count()).select_from(User)))
    assert counts[0] >= 20


def test_make_run_seed_beside_the_email_thread(tmp_path):
    """`make run`'s own path: a file database, jobs (email) on a thread writing while the seed
    writes. It once failed there with "database is locked"."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    flask = [str(Path(sys.executable).with_name("flask")), "--app", "marketplace"]
    env = {k: v for k, v in os.environ.items() if k != "JOBS_INLINE"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'demo.db'}", NIK_HASH_KEY="k" * 32)
    for args in (["db", "upgrade"], ["seed-demo", "--quiet"]):
        done = subprocess.run(flask + args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    assert "Demo logins:" in done.stdout
