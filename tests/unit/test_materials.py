"""Raw materials: suppliers verified by staff, offers, needs, demand by region, group purchases."""

from datetime import date, timedelta

import pytest

from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.services.programme import materials

pytestmark = pytest.mark.usefixtures("db")
SOON = date.today() + timedelta(days=14)


@pytest.fixture
def supplier(db, make_user, staff):
    """A verified supplier in Central Java."""
    user = make_user("buyer", name="Toko Tepung Makmur")
    profile = materials.apply_as_supplier(user, business_name="Tepung Makmur",
                                          province_code="33", whatsapp="0812-3456-0111")
    materials.decide_supplier(staff, profile.id, True)
    db.session.commit()
    return user


def test_suppliers_post_offers_only_once_verified(db, make_user, staff):
    user = make_user("buyer")
    profile = materials.apply_as_supplier(user, business_name="Benang Jaya",
                                          province_code="33", whatsapp="+62 812 3456 0222")
    assert profile.whatsapp == "+6281234560222" and not user.is_supplier
    offer = {"material": "Benang", "unit": "kg", "unit_price": 50_000, "min_quantity": 5,
             "province_code": "33"}
    with pytest.raises(PermissionDenied):
        materials.post_offer(user, **offer)
    with pytest.raises(Conflict):
        materials.apply_as_supplier(user, business_name="Lagi", province_code="33",
                                    whatsapp="081234560222")
    with pytest.raises(PermissionDenied):
        materials.decide_supplier(user, profile.id, True)
    materials.decide_supplier(staff, profile.id, True)
    assert user.is_supplier
    with pytest.raises(Conflict):
        materials.decide_supplier(staff, profile.id, False)
    assert materials.post_offer(user, **offer).material == "benang"


def test_bad_input_gets_clear_messages(db, make_user, make_store):
    with pytest.raises(ValidationError) as caught:
        materials.apply_as_supplier(make_user("buyer"), business_name="", province_code="99",
                                    whatsapp="12")
    assert {"business_name", "province_code", "whatsapp"} <= set(caught.value.errors)
    store = make_store()
    with pytest.raises(ValidationError) as caught:
        materials.post_need(store.owner, material="", quantity=0, unit="ton",
                            needed_by=date(2020, 1, 1))
    assert {"material", "quantity", "unit", "needed_by"} <= set(caught.value.errors)
    with pytest.raises(PermissionDenied):  # a need belongs to a store
        materials.post_need(make_user("buyer"), material="gula", quantity=1, unit="kg",
                            needed_by=SOON)


def test_needs_meet_offers_of_her_province_and_add_up(db, supplier, make_store, staff):
    here, there = make_store(), make_store(province_code="31", regency="Jakarta Timur")
    materials.post_offer(supplier, material="Tepung Tapioka", unit="kg", unit_price=12_000,
                         min_quantity=10, province_code="33")
    materials.post_need(here.owner, material="  tepung   TAPIOKA ", quantity=20, unit="kg",
                        needed_by=SOON)
    materials.post_need(there.owner, material="tepung tapioka", quantity=5, unit="kg",
                        needed_by=SOON)
    second = make_store()
    materials.post_need(second.owner, material="tepung tapioka", quantity=30, unit="kg",
                        needed_by=SOON)
    assert [o.unit_price for o in materials.offers_for(here.owner)] == [12_000]
    assert materials.offers_for(there.owner) == []
    assert materials.demand(staff)[0] == ("33", "tepung tapioka", "kg", 50, 2)
    assert materials.demand(staff, "31") == [("31", "tepung tapioka", "kg", 5, 1)]
    with pytest.raises(PermissionDenied):
        materials.demand(here.owner)


def test_group_purchase_of_her_province_only(db, staff, make_store):
    here, there = make_store(), make_store(province_code="31", regency="Jakarta Timur")
    purchase = materials.open_group_purchase(staff, material="Gula Aren", unit="kg",
                                             province_code="33", note="Ambil di balai desa")
    assert [p.id for p in materials.group_purchases(here.owner)] == [purchase.id]
    assert materials.group_purchases(there.owner) == []
    materials.join_group_purchase(here.owner, purchase.id, 10)
    materials.join_group_purchase(here.owner, purchase.id, 12)
    assert [(m.user_id, m.quantity) for m in purchase.participants] == [(here.owner_id, 12)]
    with pytest.raises(NotFound):
        materials.join_group_purchase(there.owner, purchase.id, 1)
    with pytest.raises(PermissionDenied):
        materials.open_group_purchase(here.owner, material="x", unit="kg", province_code="33")


def test_closing_a_need(db, make_store):
    store, other = make_store(), make_store()
    need = materials.post_need(store.owner, material="gula", quantity=1, unit="kg",
                               needed_by=SOON)
    with pytest.raises(NotFound):
        materials.close_need(other.owner, need.id)
    materials.close_need(store.owner, need.id)
    assert materials.needs_of(store.owner) == []
