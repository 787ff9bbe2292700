"""Vendor services: food permits, variants, photos, archive-instead-of-delete, shipping."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.models import OrderLine, Product, ProductStatus, Variant
from marketplace.services.catalog import listing
from marketplace.services.stores import storefront
from tests.fixtures.catalog import photo_bytes


@pytest.mark.parametrize(("fields", "bad"), [
    ({"pirt_number": "12345"}, "pirt_number"),
    ({"halal_number": "HALAL-123"}, "halal_number"),
    ({"halal_number": "ID31110000159150421"}, "halal_expires_on"),
    ({"halal_number": "ID31110000159150421", "halal_expires_on": date(2020, 1, 1)},
     "halal_expires_on"),
    ({"halal_expires_on": date(2031, 1, 1)}, "halal_number"),
    ({"nib": "91200012345"}, "nib"),
])
def test_food_permits_are_format_checked(db, fields, bad):
    with pytest.raises(ValidationError) as caught:
        listing.check_food_permits(**fields)
    assert bad in caught.value.errors


def test_food_permits_are_normalised(db):
    values = listing.check_food_permits(
        pirt_number="P-IRT No. 2063374010123-24", halal_number="id 3111 0000 1591 50421",
        halal_expires_on=date.today() + timedelta(days=365), nib="9120-0012-34567")
    assert values["pirt_number"] == "206337401012324"
    assert values["halal_number"] == "ID31110000159150421"
    assert values["nib"] == "9120001234567"


def test_update_product_keeps_variant_ids_and_switches_off_removed(db, make_product):
    product = make_product(option1_name="Ukuran", option2_name="Warna", variants=[
        {"sku": "K-S-M", "option1": "S", "option2": "Merah", "price": 50000, "stock": 2},
        {"sku": "K-M-M", "option1": "M", "option2": "Merah", "price": 55000, "stock": 3}])
    first, second = product.variants
    listing.update_product(
        product.store.owner, product, title="Kaos Batik", category_id=product.category_id,
        weight_grams=300, status=ProductStatus.ACTIVE, option1_name="Ukuran",
        option2_name="Warna", variants=[
            {"id": first.id, "sku": "K-S-M", "option1": "S", "option2": "Merah",
             "price": 52000, "stock": 5},
            {"sku": "K-L-B", "option1": "L", "option2": "Biru", "price": 60000, "stock": 1}])
    db.session.commit()
    assert first.price == 52000 and not second.active
    assert {v.sku for v in product.variants if v.active} == {"K-S-M", "K-L-B"}
    assert (product.price_min, product.price_max, product.stock_total) == (52000, 60000, 6)
    # The switched-off SKU can come back as a new row: the old variant is reused.
    listing.update_product(
        product.store.owner, product, title="Kaos Batik", category_id=product.category_id,
        weight_grams=300, option1_name="Ukuran", option2_name="Warna", variants=[
            {"sku": "K-M-M", "option1": "M", "option2": "Merah", "price": 1000, "stock": 1}])
    db.session.commit()
    assert second.active and db.session.scalar(select(func.count(Variant.id))) == 3


def test_two_option_types_need_both_values(db, make_store, categories, app):
    store = make_store()
    with pytest.raises(ValidationError):
        listing.create_product(store.owner, store, title="Kaos", weight_grams=200,
                               category_id=categories["pakaian"].id, option1_name="Ukuran",
                               option2_name="Warna",
                               variants=[{"sku": "A", "option1": "S", "price": 1000}])


def test_own_product_hides_other_stores_products(db, make_product, make_user):
    product = make_product()
    with pytest.raises(NotFound):
        listing.own_product(make_user(), product.id)
    with pytest.raises(NotFound):
        listing.own_variant(make_product().store.owner, product.variants[0].id)
    assert listing.own_product(product.store.owner, product.id) is product


def test_product_images_order_cover_and_limit(db, make_product, make_user):
    product = make_product()
    owner = product.store.owner
    added = [listing.add_product_image(owner, product, photo_bytes(300, 300, (n * 25, 9, 9)),
                                       f"Foto {n}") for n in range(8)]
    assert product.cover_image_id == added[0].image_id
    with pytest.raises(ValidationError):
        listing.add_product_image(owner, product, photo_bytes(300, 300, (1, 250, 1)))
    listing.move_product_image(owner, added[3], -1)
    assert [pi.alt for pi in product.images][:4] == ["Foto 0", "Foto 1", "Foto 3", "Foto 2"]
    listing.remove_product_image(owner, added[0])
    assert product.cover_image_id == added[1].image_id
    assert [pi.position for pi in product.images] == list(range(7))
    with pytest.raises(PermissionDenied):
        listing.add_product_image(make_user(), product, photo_bytes(300, 300))


def test_the_same_photo_twice_on_one_product_is_refused(db, make_product):
    product = make_product()
    data = photo_bytes(300, 300)
    listing.add_product_image(product.store.owner, product, data)
    with pytest.raises(ValidationError):
        listing.add_product_image(product.store.owner, product, data)


def test_ordered_products_are_archived_not_deleted(db, make_order, make_product):
    ordered, fresh = make_product(), make_product()
    make_order(items=[(ordered, 1)])
    assert listing.remove_product(ordered.store.owner, ordered) is False
    assert ordered.status == ProductStatus.ARCHIVED
    assert db.session.scalar(select(func.count(OrderLine.id))) == 1
    assert listing.remove_product(fresh.store.owner, fresh) is True
    assert db.session.get(Product, fresh.id) is None


def test_shipping_options_are_validated(db, make_store, make_user):
    store = make_store()
    owner = store.owner
    with pytest.raises(ValidationError) as caught:
        storefront.update_shipping(owner, store, self_delivery_enabled=True, self_delivery_fee=-5,
                                   pickup_enabled=True, pickup_address="", courier_enabled=True,
                                   courier_rates={"99": 1000})
    assert {"self_delivery_fee", "pickup_address", "courier_rates"} <= set(
        caught.value.errors)
    with pytest.raises(PermissionDenied):
        storefront.update_shipping(make_user(), store, self_delivery_enabled=False,
                                   self_delivery_fee=0, pickup_enabled=True, pickup_address="Jl. A",
                                   courier_enabled=False, courier_rates={})
    storefront.update_shipping(owner, store, self_delivery_enabled=False, self_delivery_fee=0,
                               pickup_enabled=False, pickup_address=None, courier_enabled=True,
                               courier_rates={"33": 15000, "35": 20000})
    storefront.update_shipping(owner, store, self_delivery_enabled=False, self_delivery_fee=0,
                               pickup_enabled=False, pickup_address=None, courier_enabled=True,
                               courier_rates={"35": 22000})
    db.session.commit()
    assert [(r.province_code, r.fee) for r in store.courier_rates] == [("35", 22000)]


def test_logo_and_banner_go_through_the_pipeline(db, make_store, make_user):
    store = make_store()
    storefront.set_store_image(store.owner, store, "banner", photo_bytes(1600, 400))
    assert store.banner.width == 1600
    with pytest.raises(ValidationError) as caught:
        storefront.set_store_image(store.owner, store, "logo", b"GIF89a....")
    assert "logo" in caught.value.errors
    with pytest.raises(PermissionDenied):
        storefront.set_store_image(make_user(), store, "logo", photo_bytes(100, 100))
    storefront.set_store_image(store.owner, store, "banner", None)
    assert store.banner is None
