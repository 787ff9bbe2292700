"""Permission matrix for the facilitator routes and for acting for a store.

Actors: the facilitator with consent, a facilitator of another region, one without consent,
one whose consent was withdrawn, a supplier, a buyer, anonymous. Where access is denied,
nothing changed: the same rows in every table these routes write.
"""

import io

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import AuditEvent, Product, Store, User
from marketplace.models.people import Caseload, FacilitatorProfile, SetupCode
from marketplace.permissions import can
from marketplace.services import facilitators, onboarding
from tests.fixtures.accounts import PASSWORD
from tests.fixtures.catalog import photo_bytes

STORE_FIELDS = {"name": "Toko Baru Bu Ani", "story": "", "province_code": "33",
                "regency": "Kota Pekalongan", "whatsapp": "081234560001"}


def _product(w):
    return {"title": "Dibantu", "category_id": w["category"], "status": "active",
            "weight_grams": 100, "variants-0-sku": "DB-1", "variants-0-price": 10000,
            "variants-0-stock": 5}


# (key, method, url, data factory, whether it works while acting for the store)
ROUTES = [
    ("caseload", "GET", "/pendamping/", None),
    ("register", "POST", "/pendamping/daftar",
     lambda w: {"name": "Ibu Baru", "phone": "0812-3456-0099", "consent": "y"}),
    ("open_store", "POST", "/pendamping/kasus/{newcomer}/toko", lambda w: STORE_FIELDS),
    ("setup_code", "POST", "/pendamping/kasus/{newcomer}/kode", lambda w: {}),
    ("act_for", "POST", "/pendamping/kasus/{owner}/bantu", lambda w: {}),
    ("add_product", "POST", "/vendor/products/new", _product),
    ("staff_create", "POST", "/staff/facilitators", lambda w: {
        "name": "Baru", "email": "baru@contoh.id", "password": PASSWORD,
        "province_code": "33"}),
    ("staff_assign", "POST", "/staff/facilitators/{facilitator}",
     lambda w: {"person": "081234560004"}),
]

# Expected status per actor and route; "ok" is success (2xx/3xx to a page of the area).
EXPECTED = {
    "facilitator": {"caseload": 200, "register": 302, "open_store": 302, "setup_code": 200,
                    "act_for": 302, "add_product": 302, "staff_create": 403,
                    "staff_assign": 403},
    "other_region": {"caseload": 200, "register": 302, "open_store": 404, "setup_code": 404,
                     "act_for": 404, "add_product": 302, "staff_create": 403,
                     "staff_assign": 403},
    "no_consent": {"caseload": 200, "register": 302, "open_store": 403, "setup_code": 200,
                   "act_for": 403, "add_product": 302, "staff_create": 403,
                   "staff_assign": 403},
    "withdrawn": {"caseload": 200, "register": 302, "open_store": 403, "setup_code": 200,
                  "act_for": 403, "add_product": 403, "staff_create": 403,
                  "staff_assign": 403},
    "supplier": {"caseload": 403, "register": 403, "open_store": 403, "setup_code": 403,
                 "act_for": 403, "add_product": 302, "staff_create": 403, "staff_assign": 403},
    "buyer": {"caseload": 403, "register": 403, "open_store": 403, "setup_code": 403,
              "act_for": 403, "add_product": 302, "staff_create": 403, "staff_assign": 403},
    "anonymous": {"caseload": 302, "register": 302, "open_store": 302, "setup_code": 302,
                  "act_for": 302, "add_product": 302, "staff_create": 302,
                  "staff_assign": 302},
    "staff": {"caseload": 403, "register": 403, "open_store": 403, "setup_code": 403,
              "act_for": 403, "add_product": 302, "staff_create": 302, "staff_assign": 302},
}
#: Routes whose 302 is a refusal for this actor (login page, or "open your store first").
REFUSED_REDIRECTS = {"add_product"}
ALLOWED = {("facilitator", key) for key in EXPECTED["facilitator"]
           if key not in ("staff_create", "staff_assign")} | {
    ("staff", "staff_create"), ("staff", "staff_assign")} | {
    (actor, "register") for actor in ("other_region", "no_consent", "withdrawn")} | {
    (actor, "caseload") for actor in ("other_region", "no_consent", "withdrawn")} | {
    ("no_consent", "setup_code"), ("withdrawn", "setup_code")}


@pytest.fixture
def world(db, make_user, make_facilitator, make_store, categories):
    """One store with its facilitator (consent), a phone-registered newcomer, other actors."""
    facilitator = make_facilitator("33")
    other_region = make_facilitator("31")
    store = make_store(whatsapp="081234560002")
    store.owner.phone = "+6281234560002"
    facilitators.invite(store.owner, facilitators.require_facilitator(facilitator).invite_code)
    facilitators.set_consent(store.owner, True)
    newcomer = onboarding.register_entrepreneur(facilitator, name="Ibu Ani",
                                                phone="081234560003", consent=True)
    supplier = make_user("buyer")
    supplier.is_supplier = True
    buyer = make_user("buyer")
    buyer.phone = "+6281234560004"
    db.session.commit()
    return {"facilitator": facilitator, "other_region": other_region, "store": store,
            "owner": store.owner, "newcomer": newcomer, "supplier": supplier,
            "buyer": buyer, "staff": make_user("staff"),
            "category": categories["keripik-camilan"].id}


def _actor(w, name, make_facilitator):
    """The acting user, after arranging the consent state this actor stands for."""
    if name in ("facilitator", "other_region", "supplier", "buyer", "staff"):
        return w[name]
    if name == "anonymous":
        return None
    # no_consent / withdrawn: the same facilitator, with the store and newcomer's consent off.
    for person in (w["owner"], w["newcomer"]):
        facilitators.set_consent(person, False)
    if name == "no_consent":
        _db.session.execute(Caseload.__table__.update().values(consent_withdrawn_at=None))
    _db.session.commit()
    return w["facilitator"]


def _snapshot() -> dict:
    counted = (User, Store, Product, Caseload, FacilitatorProfile, SetupCode, AuditEvent)
    rows = {model.__name__: _db.session.scalar(select(func.count()).select_from(model))
            for model in counted}
    rows["consents"] = sorted((c.entrepreneur_id, c.facilitator_id, c.consent_at is not None)
                              for c in _db.session.scalars(select(Caseload)))
    _db.session.rollback()
    return rows


@pytest.mark.parametrize("actor", list(EXPECTED))
@pytest.mark.parametrize("key", [r[0] for r in ROUTES])
def test_matrix(client, login, world, make_facilitator, actor, key):
    route = next(r for r in ROUTES if r[0] == key)
    _key, method, url, data = route
    user = _actor(world, actor, make_facilitator)
    if user is not None:
        login(user)
    if key == "add_product" and actor in ("facilitator", "withdrawn"):
        if actor == "withdrawn":  # started acting while allowed, then she withdrew
            facilitators.set_consent(world["owner"], True)
            _db.session.commit()
        assert client.post(f"/pendamping/kasus/{world['owner'].id}/bantu").status_code == 302
        if actor == "withdrawn":
            facilitators.set_consent(world["owner"], False)
            _db.session.commit()
    url = url.format(newcomer=world["newcomer"].id, owner=world["owner"].id,
                     facilitator=world["facilitator"].id)
    before = _snapshot()
    response = client.get(url) if method == "GET" else client.post(url, data=data(world))
    expected = EXPECTED[actor][key]
    assert response.status_code == expected, (actor, key, response.get_data(as_text=True)[:300])
    if (actor, key) in ALLOWED:
        return
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "/login" in location or "/vendor/open" in location, location
    assert _snapshot() == before


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
