"""Demo data, built through the services in steps; each step adds only what is missing."""

from collections.abc import Iterator

from marketplace.extensions import db
from marketplace.seed import base
from marketplace.seed import orders as orders_step
from marketplace.seed import people as people_step
from marketplace.seed import staff as staff_step
from marketplace.seed import stores as stores_step


def seed_demo(stores: int, products: int, orders: int, progress: bool = True) -> Iterator[str]:
    """Run every seeding step; yields the log, then the demo logins last, where a person who
    just ran `make run` looks for them (the steps' lines that start with "Demo ")."""
    logins = []
    for line in _steps(stores, products, orders, progress):
        if line.startswith("Demo "):
            logins.append(line)
        else:
            yield line
    yield ""
    yield "Demo logins:"
    yield from (f"  {line}" for line in logins)


def _steps(stores: int, products: int, orders: int, progress: bool) -> Iterator[str]:
    """Every seeding step, committing after each."""
    yield from base.seed_base()
    db.session.commit()
    yield from stores_step.seed_stores(stores, products, progress)
    db.session.commit()
    yield from orders_step.seed_orders(orders, progress)
    db.session.commit()
    yield from staff_step.seed_staff()
    db.session.commit()
    yield from people_step.seed_people()
    db.session.commit()
