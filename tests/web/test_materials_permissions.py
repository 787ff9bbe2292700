"""Permission matrix for the raw-material routes (suppliers, offers, needs, group purchases)
and the training routes not in test_people_permissions: the same actors plus the store's owner
(who shows the allowed path works). Where access is denied, nothing changed.

A facilitator acting for a store is refused the raw-material pages: needs and group purchases
are the entrepreneur's own (she answers suppliers on her own WhatsApp).
"""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, User
from marketplace.models.people import (
    GroupPurchase,
    GroupPurchaseMember,
    MaterialNeed,
    MaterialOffer,
    SupplierProfile,
    TrainingAttendance,
)
from marketplace.services.programme import facilitation, materials
from tests.conftest import built_once
from tests.fixtures.accounts import new_user
from tests.fixtures.catalog import seeded_categories
from tests.web.test_people_permissions import _actor, build_world

SOON = date.today() + timedelta(days=30)
ACTORS = ["owner", "facilitator", "other_region", "no_consent", "withdrawn",
          "member_other_group", "supplier", "buyer", "staff", "anonymous"]
FACILITATORS = ("facilitator", "other_region", "no_consent", "withdrawn")
OPEN_STORE = "open"  # a 302 to /vendor/open: the actor has no store of her own

# (key, method, url, form or None)
ROUTES = [
    ("need_post", "POST", "/vendor/materials",
     {"material": "Gula Aren", "quantity": "10", "unit": "kg", "needed_by": SOON.isoformat()}),
    ("need_close", "POST", "/vendor/materials/{need}/close", {}),
    ("purchase_join", "POST", "/vendor/materials/purchases/{purchase}/join", {"quantity": "4"}),
    ("supplier_apply", "POST", "/account/supplier",
     {"business_name": "Usaha Baru", "province_code": "33", "whatsapp": "081234560077"}),
    ("supplier_offer", "POST", "/account/supplier/offers",
     {"material": "Gula Aren", "unit": "kg", "unit_price": "18000", "min_quantity": "5",
      "province_code": "33"}),
    ("staff_materials", "GET", "/staff/materials", None),
    ("staff_supplier_verify", "POST", "/staff/materials/suppliers/{applicant}/verify", {}),
    ("staff_training_attend", "POST", "/staff/training/{event}", {"person": "081234560004"}),
    ("staff_outcomes_csv", "GET", "/staff/training/outcomes.csv", None),
    ("staff_figures_csv", "GET", "/staff/training/figures.csv", None),
    ("outcomes_csv", "GET", "/pendamping/pelatihan/outcomes.csv", None),
    ("figures_page", "GET", "/pendamping/pelatihan/figures", None),
]
VENDOR = {"need_post", "need_close", "purchase_join"}


def expected(actor: str, key: str):
    """The answer: a status, or OPEN_STORE; 302 alone is a success (or login for anonymous)."""
    if actor == "anonymous":
        return 302
    if key in VENDOR:
        if actor == "owner":
            return 302
        if actor == "facilitator":  # acting with her consent: needs are hers alone
            return 404 if key == "need_close" else 403  # not a need of the facilitator's
        return 403 if actor == "withdrawn" else OPEN_STORE
    if key == "supplier_apply":
        return 409 if actor == "supplier" else 302  # anyone may apply, once
    if key == "supplier_offer":
        return 302 if actor == "supplier" else 403
    if key.startswith("staff_"):
        return (200 if key != "staff_supplier_verify" and key != "staff_training_attend"
                else 302) if actor == "staff" else 403
    return 200 if actor in FACILITATORS else 403


@pytest.fixture
def market(request, db, db_kind):
    """The world plus a verified supplier, a pending applicant, the owner's need and a group
    purchase of her province (built once for the module)."""

    def build() -> dict:
        world = build_world(seeded_categories())
        staff = world["staff"]
        profile = materials.apply_as_supplier(world["supplier"], business_name="Tepung Makmur",
                                              province_code="33", whatsapp="081234560055")
        materials.decide_supplier(staff, profile.id, True)
        applicant = materials.apply_as_supplier(new_user("buyer"), business_name="Benang Jaya",
                                                province_code="33", whatsapp="081234560066")
        need = materials.post_need(world["owner"], material="gula aren", quantity=5,
                                   unit="kg", needed_by=SOON)
        purchase = materials.open_group_purchase(staff, material="gula aren", unit="kg",
                                                 province_code="33")
        _db.session.commit()
        return {**world, "need": need.id, "purchase": purchase.id, "applicant": applicant.id}

    return built_once(request, db_kind, build)


def _snapshot() -> dict:
    rows = {model.__name__: _db.session.scalar(select(func.count()).select_from(model))
            for model in (MaterialNeed, MaterialOffer, SupplierProfile, GroupPurchase,
                          GroupPurchaseMember, TrainingAttendance, AuditEvent)}
    rows["open_needs"] = _db.session.scalar(select(func.count()).select_from(MaterialNeed)
                                            .where(MaterialNeed.closed_at.is_(None)))
    rows["suppliers"] = sorted(_db.session.execute(
        select(SupplierProfile.id, SupplierProfile.status)).all())
    rows["supplier_flags"] = _db.session.scalar(select(func.count()).select_from(User)
                                                .where(User.is_supplier.is_(True)))
    _db.session.rollback()
    return rows


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("key", [r[0] for r in ROUTES])
def test_matrix(client, login, market, actor, key):
    _key, method, url, data = next(r for r in ROUTES if r[0] == key)
    user = market["owner"] if actor == "owner" else _actor(market, actor)
    if user is not None:
        login(user)
    if key in VENDOR and actor in ("facilitator", "withdrawn"):
        owner = market["owner"]
        if actor == "withdrawn":  # started acting while allowed, then she withdrew
            facilitation.set_consent(owner, True)
            _db.session.commit()
        assert client.post(f"/pendamping/kasus/{owner.id}/bantu").status_code == 302
        if actor == "withdrawn":
            facilitation.set_consent(owner, False)
            _db.session.commit()
    url = url.format(need=market["need"], purchase=market["purchase"],
                     applicant=market["applicant"], event=market["event"])
    before = _snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    want = expected(actor, key)
    status = response.status_code
    if want == OPEN_STORE:
        assert status == 302 and "/vendor/open" in response.headers["Location"], (actor, key)
    else:
        assert status == want, (actor, key, status, response.get_data(as_text=True)[:300])
    if status in (200, 302) and method == "POST" and want == 302 and actor != "anonymous":
        assert _snapshot() != before, (actor, key)  # the allowed path really changes something
        return
    if actor == "anonymous":
        assert "/login" in response.headers["Location"]
    assert _snapshot() == before, (actor, key)


def test_matrix_size():
    assert len(ROUTES) * len(ACTORS) == 120


def test_the_vendor_menu_offers_raw_materials_to_the_owner_only(client, login, market):
    login(market["owner"])
    assert 'href="/vendor/materials"' in client.get("/vendor/").get_data(as_text=True)
    client.post("/logout")
    login(market["facilitator"])
    assert client.post(f"/pendamping/kasus/{market['owner'].id}/bantu").status_code == 302
    page = client.get("/vendor/")
    assert page.status_code == 200 and 'href="/vendor/materials"' not in page.get_data(
        as_text=True)
