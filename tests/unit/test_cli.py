"""The Flask CLI: users create and seed-demo."""

from sqlalchemy import func, select

from marketplace.models import Category, User


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
    counts = (db.session.scalar(select(func.count()).select_from(Category)),
              db.session.scalar(select(func.count()).select_from(User)))
    second = runner.invoke(args=["seed-demo", "--quiet", "--stores", "2", "--products", "6",
                                 "--orders", "2"])
    assert second.exit_code == 0, second.output
    assert counts == (db.session.scalar(select(func.count()).select_from(Category)),
                      db.session.scalar(select(func.count()).select_from(User)))
    assert counts[0] >= 20
