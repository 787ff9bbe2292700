"""Stock: reserved with one conditional UPDATE per variant, given back exactly once."""

from flask_babel import gettext as _
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.clock import utcnow
from marketplace.errors import OutOfStock
from marketplace.extensions import db
from marketplace.models import Order, Product, Variant
from marketplace.services.catalog.listing import sync_stock_totals


def reserve_stock(quantities: dict[int, int], titles: dict[int, str]) -> None:
    """Take `quantities` (variant id -> units) off the shelves, all or nothing.

    The decrement is conditional (`stock >= qty`), so two buyers racing for the last unit cannot
    both succeed on either database; ids are taken in order so concurrent checkouts never
    deadlock. On failure the caller must roll back (the units already taken go back with it).

    :raises OutOfStock: a variant has fewer units than asked, or is no longer sold.
    """
    db.session.flush()  # pending changes first: the listing refresh below reloads these rows
    for variant_id in sorted(quantities):
        quantity = quantities[variant_id]
        result = db.session.execute(
            update(Variant)
            .where(Variant.id == variant_id, Variant.stock >= quantity, Variant.active.is_(True))
            .values(stock=Variant.stock - quantity)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise OutOfStock(_("Out of stock (stok habis): %(title)s.",
                               title=titles.get(variant_id, "")))
    _after_stock_moved(quantities, sold_sign=1)


def release_stock(order: Order) -> bool:
    """Put a cancelled order's units back, once; returns False if they were already back."""
    db.session.flush()
    now = utcnow()
    # Claimed in SQL, so two processes cancelling the same order cannot both give stock back.
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.stock_released_at.is_(None))
        .values(stock_released_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(order, "stock_released_at", now)
    quantities: dict[int, int] = {}
    for line in order.lines:
        if line.variant_id is not None:
            quantities[line.variant_id] = quantities.get(line.variant_id, 0) + line.quantity
    for variant_id in sorted(quantities):
        db.session.execute(
            update(Variant).where(Variant.id == variant_id)
            .values(stock=Variant.stock + quantities[variant_id])
            .execution_options(synchronize_session=False)
        )
    _after_stock_moved(quantities, sold_sign=-1)
    return True


def _after_stock_moved(quantities: dict[int, int], sold_sign: int) -> None:
    """Keep the products' listing figures (stock total, units sold) in step, in SQL."""
    rows = db.session.execute(
        db.select(Variant.id, Variant.product_id).where(Variant.id.in_(quantities))
    ).all()
    sold_by_product: dict[int, int] = {}
    for variant_id, product_id in rows:
        sold_by_product[product_id] = sold_by_product.get(product_id, 0) + quantities[variant_id]
    for product_id, units in sold_by_product.items():
        db.session.execute(
            update(Product).where(Product.id == product_id)
            .values(sold_count=Product.sold_count + sold_sign * units)
            .execution_options(synchronize_session=False)
        )
    sync_stock_totals(set(sold_by_product))
    # The identity map may hold the old numbers; reload them on next access.
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Variant | Product):
            db.session.expire(obj)
