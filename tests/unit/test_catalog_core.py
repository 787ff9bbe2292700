"""Stores and products through the services: ownership, variants, listing figures."""

import pytest

from marketplace.errors import PermissionDenied, ValidationError
from marketplace.models import StoreStatus
from marketplace.services.catalog.listing import create_product, set_price_and_stock


def test_store_starts_pending_and_verification_is_audited(db, make_store):
    store = make_store(verified=False)
    assert store.status == StoreStatus.PENDING and not store.is_public
    assert store.whatsapp == "+6281234567890"


def test_product_listing_figures_follow_variants(db, make_product, categories):
    product = make_product(option1_name="Ukuran", variants=[
        {"sku": "KS-100", "option1": "100 g", "price": 12000, "stock": 5},
        {"sku": "KS-250", "option1": "250 g", "price": 25000, "stock": 0},
    ])
    assert (product.price_min, product.price_max, product.stock_total) == (12000, 25000, 5)
    set_price_and_stock(product.store.owner, product.variants[1], 26000, 7)
    assert (product.price_max, product.stock_total) == (26000, 12)


def test_only_the_owner_adds_products(db, make_store, make_user, categories):
    store = make_store()
    with pytest.raises(PermissionDenied):
        create_product(make_user(), store, title="Batik", category_id=categories["batik-cap"].id,
                       weight_grams=300, variants=[{"sku": "B1", "price": 150000, "stock": 1}])


@pytest.mark.parametrize("variant", [
    {"sku": "X", "price": 99, "stock": 1},
    {"sku": "X", "price": 1_000_000_001, "stock": 1},
    {"sku": "X", "price": 1000, "stock": -1},
    {"sku": "X", "price": 1000.5, "stock": 1},
    {"sku": "", "price": None, "stock": 1},  # an empty SKU is made up; a missing price is not
    {"sku": "X" * 65, "price": 1000, "stock": 1},
])
def test_bad_variants_are_refused(db, make_store, categories, variant, app):
    store = make_store()
    with app.test_request_context(), pytest.raises(ValidationError):
        create_product(store.owner, store, title="Kain", category_id=categories["songket"].id,
                       weight_grams=300, variants=[variant])


def test_duplicate_sku_in_store_is_refused(db, make_product, app):
    product = make_product(variants=[{"sku": "DUP-1", "price": 5000, "stock": 1}])
    with app.test_request_context(), pytest.raises(ValidationError):
        create_product(product.store.owner, product.store, title="Lain",
                       category_id=product.category_id, weight_grams=100,
                       variants=[{"sku": "dup-1", "price": 5000, "stock": 1}])
