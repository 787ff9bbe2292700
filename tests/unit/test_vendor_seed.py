"""The stores seed step: stores across provinces, products with variants and shared photos."""

import pytest
from sqlalchemy import func, select, text

from marketplace.models import Product, ProductImage, Store, StoredImage, User, Variant
from marketplace.seed.base import seed_base
from marketplace.seed.stores import _search_refresh_in_batches, seed_stores


def _counts(db):
    return tuple(db.session.scalar(select(func.count(model.id)))
                 for model in (User, Store, Product, Variant, ProductImage, StoredImage))


def test_seed_stores_builds_a_browsable_demo_and_is_idempotent(db):
    list(seed_base())
    lines = list(seed_stores(12, 60, progress=False))
    db.session.commit()
    assert any("12 added" in line for line in lines)
    stores = db.session.scalars(select(Store)).all()
    assert len({s.province_code for s in stores}) >= 5
    assert {s.status.value for s in stores} == {"verified", "pending"}
    products = db.session.scalars(select(Product)).all()
    assert len(products) == 60 and all(p.cover_image_id for p in products)
    assert all(p.variants and p.price_min == min(v.price for v in p.variants)
               for p in products)
    assert all(p.stock_total == sum(v.stock for v in p.variants) for p in products)
    assert db.session.scalar(select(func.count(StoredImage.id))) <= 40  # shared photos
    before = _counts(db)
    list(seed_stores(12, 60, progress=False))
    db.session.commit()
    assert _counts(db) == before
    # New rows after the seed get fresh ids (PostgreSQL sequences were moved on).
    list(seed_stores(13, 61, progress=False))
    db.session.commit()
    assert _counts(db)[1:3] == (before[1] + 1, before[2] + 1)


@pytest.mark.postgres
def test_search_index_is_complete_after_a_batched_seed(db):
    list(seed_base())
    assert _search_refresh_in_batches()  # the schema's trigger is there to batch around
    list(seed_stores(3, 30, progress=False))
    db.session.commit()
    assert db.session.scalar(text("SELECT count(*) FROM product_search")) == 30
    assert db.session.scalar(text(
        "SELECT tgenabled FROM pg_trigger WHERE tgname = 'product_search_ai'")) == "O"
