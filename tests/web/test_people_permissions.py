"""Permission matrix for the facilitator routes and for acting for a store.

Actors: the facilitator with consent, a facilitator of another region, one without consent,
one whose consent was withdrawn, a supplier, a buyer, anonymous. Where access is denied,
nothing changed: the same rows in every table these routes write.
"""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, Product, Store, User
from marketplace.models.people import (
    Caseload,
    FacilitatorProfile,
    GroupMember,
    GroupPurchase,
    SetupCode,
    TrainingAttendance,
    TrainingEvent,
)
from marketplace.permissions import can
from marketplace.services.programme import facilitation, onboarding, training
from marketplace.services.stores import groups
from tests.conftest import built_once
from tests.fixtures.accounts import PASSWORD, new_user
from tests.fixtures.catalog import photo_bytes, seeded_categories
from tests.fixtures.people import new_facilitator
from tests.fixtures.stores import new_store

STORE_FIELDS = {"name": "Toko Baru Bu Ani", "story": "", "province_code": "33",
                "regency": "Kota Pekalongan", "whatsapp": "081234560001"}


def _product(w):
    return {"title": "Dibantu", "category_id": w["category"], "status": "active",
            "weight_grams": 100, "variants-0-sku": "DB-1", "variants-0-price": 10000,
            "variants-0-stock": 5}


EVENT = {"topic": "Pengemasan", "ministry": "kemenperin", "held_on": "2026-03-02",
         "place": "Balai Desa", "trainer": "Bu Rahma", "province_code": "33"}

# (key, method, url, data factory or None)
ROUTES = [
    ("caseload", "GET", "/pendamping/", None),
    ("register", "POST", "/pendamping/daftar",
     lambda w: {"name": "Ibu Baru", "phone": "0812-3456-0099", "consent": "y"}),
    ("open_store", "POST", "/pendamping/kasus/{newcomer}/toko", lambda w: STORE_FIELDS),
    ("setup_code", "POST", "/pendamping/kasus/{newcomer}/kode", lambda w: {}),
    ("act_for", "POST", "/pendamping/kasus/{owner}/bantu", lambda w: {}),
    ("add_product", "POST", "/vendor/products/new", _product),
    ("group_set", "POST", "/vendor/group",
     lambda w: {"person": "081234560004", "role": "member", "share": "10"}),
    ("group_remove", "POST", "/vendor/group/{group_member}/remove", lambda w: {}),
    ("training_create", "POST", "/pendamping/pelatihan", lambda w: EVENT),
    ("training_attend", "POST", "/pendamping/pelatihan/{event}",
     lambda w: {"person": "081234560002"}),
    ("figures_personal", "GET", "/pendamping/pelatihan/figures.csv?personal=1", None),
    ("staff_create", "POST", "/staff/facilitators", lambda w: {
        "name": "Baru", "email": "baru@contoh.id", "password": PASSWORD,
        "province_code": "33"}),
    ("staff_assign", "POST", "/staff/facilitators/{facilitator}",
     lambda w: {"person": "081234560004"}),
    ("staff_training", "POST", "/staff/training", lambda w: EVENT),
    ("staff_figures_personal", "GET", "/staff/training/figures.csv?personal=1", None),
    ("staff_materials", "POST", "/staff/materials",
     lambda w: {"material": "Gula Aren", "unit": "kg", "province_code": "33"}),
]
ACTORS = ["facilitator", "other_region", "no_consent", "withdrawn", "member_other_group",
          "supplier", "buyer", "staff", "anonymous"]
FACILITATORS = ("facilitator", "other_region", "no_consent", "withdrawn")
#: Vendor-area routes: facilitators (with consent at the start) first choose to act for the store.
ACTING = {"add_product", "group_set", "group_remove"}
#: Facilitator routes any facilitator may use, whatever her consent (their own work).
OWN_WORK = {"caseload", "register", "training_create"}


def expected(actor: str, key: str) -> int:
    """The status this actor gets; 302 means success unless it goes to login or /vendor/open."""
    if actor == "anonymous":
        return 302
    if key.startswith("staff_"):
        if key == "staff_figures_personal":
            return 403  # personal data: admins only
        return 302 if actor == "staff" else 403
    if key in ACTING:
        if actor == "facilitator":
            return 302 if key == "add_product" else 403  # never the shares: that is money
        return 403 if actor == "withdrawn" else 302  # the others have no store to act for
    if actor not in FACILITATORS:
        return 403
    if key in OWN_WORK:
        if key == "caseload":
            return 200
        return 403 if (actor, key) == ("other_region", "training_create") else 302
    if key == "figures_personal":
        return 403
    if actor == "other_region":
        return 404
    if key in ("setup_code", "training_attend"):
        return 200 if key == "setup_code" else 302
    return 302 if actor == "facilitator" else 403


def allowed(actor: str, key: str) -> bool:
    """Whether the expected answer is a success (then rows may change)."""
    if expected(actor, key) not in (200, 302) or actor == "anonymous":
        return False
    if key in ACTING:
        return actor == "facilitator" and key == "add_product"
    return not (key.startswith("staff_") and actor != "staff")


def build_world(categories) -> dict:
    """One store with its facilitator (consent), a phone-registered newcomer, other actors."""
    facilitator = new_facilitator("33")
    other_region = new_facilitator("31")
    store = new_store(whatsapp="081234560002")
    store.owner.phone = "+6281234560002"
    facilitation.invite(store.owner, facilitation.require_facilitator(facilitator).invite_code)
    facilitation.set_consent(store.owner, True)
    newcomer = onboarding.register_entrepreneur(facilitator, name="Ibu Ani",
                                                phone="081234560003", consent=True)
    supplier = new_user("buyer")
    supplier.is_supplier = True
    buyer = new_user("buyer")
    buyer.phone = "+6281234560004"
    member = new_user("buyer")
    groups.set_member(store.owner, store, member.email, "member", 2000)
    other_group = new_store(owner=new_user("buyer"))
    member_other_group = new_user("buyer")
    groups.set_member(other_group.owner, other_group, member_other_group.email, "chair", 3000)
    staff = new_user("staff")
    event = training.create_event(staff, topic="Bimtek", ministry="kemensos",
                                  held_on=date(2026, 2, 1), online=True, place=None,
                                  trainer="Pak Dedi", province_code="33")
    _db.session.commit()
    return {"facilitator": facilitator, "other_region": other_region, "store": store,
            "owner": store.owner, "newcomer": newcomer, "supplier": supplier,
            "buyer": buyer, "staff": staff, "member_other_group": member_other_group,
            "group_member": groups.members(store)[-1].id, "event": event.id,
            "category": categories["keripik-camilan"].id}


@pytest.fixture
def world(request, db, db_kind):
    return built_once(request, db_kind, lambda: build_world(seeded_categories()))


def _actor(w, name):
    """The acting user, after arranging the consent state this actor stands for."""
    if name in ("facilitator", "other_region", "supplier", "buyer", "staff",
                "member_other_group"):
        return w[name]
    if name == "anonymous":
        return None
    # no_consent / withdrawn: the same facilitator, with the store and newcomer's consent off.
    for person in (w["owner"], w["newcomer"]):
        facilitation.set_consent(person, False)
    if name == "no_consent":
        _db.session.execute(Caseload.__table__.update().values(consent_withdrawn_at=None))
    _db.session.commit()
    return w["facilitator"]


def _snapshot() -> dict:
    counted = (User, Store, Product, Caseload, FacilitatorProfile, SetupCode, AuditEvent,
               GroupMember, TrainingEvent, TrainingAttendance, GroupPurchase)
    rows = {model.__name__: _db.session.scalar(select(func.count()).select_from(model))
            for model in counted}
    rows["members"] = sorted((m.id, m.share_bp, m.left_at is None)
                             for m in _db.session.scalars(select(GroupMember)))
    rows["consents"] = sorted((c.entrepreneur_id, c.facilitator_id, c.consent_at is not None)
                              for c in _db.session.scalars(select(Caseload)))
    _db.session.rollback()
    return rows


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("key", [r[0] for r in ROUTES])
def test_matrix(client, login, world, actor, key):
    _key, method, url, data = next(r for r in ROUTES if r[0] == key)
    user = _actor(world, actor)
    if user is not None:
        login(user)
    if key in ACTING and actor in ("facilitator", "withdrawn"):
        if actor == "withdrawn":  # started acting while allowed, then she withdrew
            facilitation.set_consent(world["owner"], True)
            _db.session.commit()
        assert client.post(f"/pendamping/kasus/{world['owner'].id}/bantu").status_code == 302
        if actor == "withdrawn":
            facilitation.set_consent(world["owner"], False)
            _db.session.commit()
    url = url.format(newcomer=world["newcomer"].id, owner=world["owner"].id,
                     facilitator=world["facilitator"].id, event=world["event"],
                     group_member=world["group_member"])
    before = _snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=data(world))
    assert response.status_code == expected(actor, key), (
        actor, key, response.status_code, response.get_data(as_text=True)[:300])
    if allowed(actor, key):
        return
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "/login" in location or "/vendor/open" in location, location
    assert _snapshot() == before


def test_matrix_size():
    assert len(ROUTES) * len(ACTORS) == 144


def test_acting_facilitator_cannot_change_the_payout_account(client, login, world):
    login(world["facilitator"])
    client.post(f"/pendamping/kasus/{world['owner'].id}/bantu")
    page = client.get("/vendor/store").get_data(as_text=True)
    assert "bank_account_number" not in page and "0123456789" not in page
    response = client.post("/vendor/store", data={
        **STORE_FIELDS, "bank_name": "BNI", "bank_account_number": "99999999",
        "bank_account_holder": "Orang Lain"})
    assert response.status_code == 302
    store = _db.session.get(Store, world["store"].id)
    assert store.bank_account_number == "0123456789" and store.name == "Toko Baru Bu Ani"


def test_acting_facilitator_adds_a_photo_and_the_owner_sees_it_on_her_activity(
        client, login, world):
    login(world["facilitator"])
    client.post(f"/pendamping/kasus/{world['owner'].id}/bantu")
    assert client.post("/vendor/products/new", data=_product(world)).status_code == 302
    product = _db.session.scalar(select(Product).where(Product.title == "Dibantu"))
    photo = {"image": (io.BytesIO(photo_bytes(300, 200, (90, 30, 160))), "foto.jpg"),
             "alt": "Keripik"}
    assert client.post(f"/vendor/products/{product.id}/images", data=photo).status_code == 302
    client.post("/pendamping/selesai")
    client.post("/logout")
    login(world["owner"])
    page = client.get("/vendor/activity").get_data(as_text=True)
    assert world["facilitator"].name in page and "Dibantu" in page
    assert "added a photo" in page or "menambah foto" in page, page


def test_activation_with_a_bad_code_is_a_clear_422(client, world):
    response = client.post("/activate", data={"phone": "081234560003", "code": "ZZZZ-ZZZZ",
                                              "password": "Kripik2026baru",
                                              "confirm": "Kripik2026baru"})
    assert response.status_code == 422
    response = client.post("/activate", data={"phone": "12", "code": "ZZZZ-ZZZZ",
                                              "password": "Kripik2026baru",
                                              "confirm": "Kripik2026baru"})
    assert response.status_code == 422
    assert _db.session.get(User, world["newcomer"].id).password_hash == "!unset"


def test_login_by_phone_in_any_form(client, world):
    response = client.post("/login", data={"email": "+62 812-3456-0002",
                                           "password": PASSWORD})
    assert response.status_code == 302


def test_her_consent_page_withdraws(client, login, world):
    login(world["owner"])
    assert "Withdraw" in client.get("/account/facilitator?lang=en").get_data(as_text=True)
    assert client.post("/account/facilitator/consent", data={"allow": "no"}).status_code == 302
    assert not can(world["facilitator"], "store.manage", world["store"])
