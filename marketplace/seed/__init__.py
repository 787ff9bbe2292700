"""Demo data, built through the services in steps; each step adds only what is missing."""

from collections.abc import Iterator

from marketplace.extensions import db
from marketplace.seed import base


def seed_demo(stores: int, products: int, orders: int, progress: bool = True) -> Iterator[str]:
    """Run every seeding step and commit after each; yields lines to print."""
    yield from base.seed_base()
    db.session.commit()
