"""Seed step: a facilitator (pendamping) with a caseload in Jawa Tengah, consent given by some,
one entrepreneur registered by phone whose store the facilitator opened for her, a group
business (KUBE) with member households, and a training with its attendance."""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Category, Store, User
from marketplace.seed.base import DEMO_ACCOUNTS, DEMO_PASSWORD
from marketplace.services.catalog import listing
from marketplace.services.programme import facilitation, materials, onboarding, training
from marketplace.services.stores import groups
from marketplace.services.users import accounts
from marketplace.services.users.accounts import find_user_by_email

FACILITATOR_EMAIL = "pendamping@contoh.id"
PROVINCE = "33"
ASSISTED_PHONE = "+6281299990001"
CASELOAD_SIZE = 4


def seed_people() -> Iterator[str]:
    facilitator = find_user_by_email(FACILITATOR_EMAIL)
    if facilitator is None:
        staff = find_user_by_email(next(e for role, e, _n in DEMO_ACCOUNTS if role == "staff"))
        facilitator = facilitation.create_facilitator(
            staff, name="Rina Pendamping", email=FACILITATOR_EMAIL, password=DEMO_PASSWORD,
            province_code=PROVINCE)
        code = facilitation.require_facilitator(facilitator).invite_code
        owners = db.session.scalars(select(User).join(Store, Store.owner_id == User.id)
                                    .where(Store.province_code == PROVINCE)
                                    .order_by(Store.id).limit(CASELOAD_SIZE))
        owners = list(owners)
        for number, owner in enumerate(owners):
            facilitation.invite(owner, code)
            if number % 2 == 0:
                facilitation.set_consent(owner, True)
        _seed_group_and_training(staff, facilitator, owners)
        db.session.flush()
    yield f"Demo facilitator: {FACILITATOR_EMAIL} / {DEMO_PASSWORD}"
    yield f"Demo raw-material supplier: pemasok@contoh.id / {DEMO_PASSWORD}"
    assisted = db.session.scalar(select(User).where(User.phone == ASSISTED_PHONE))
    if assisted is None:
        assisted = onboarding.register_entrepreneur(facilitator, name="Ibu Wati",
                                                    phone=ASSISTED_PHONE, consent=True)
        store = onboarding.open_store_for(
            facilitator, assisted.id, name="Keripik Bu Wati", province_code=PROVINCE,
            regency="Kabupaten Pekalongan", whatsapp=ASSISTED_PHONE, participant_code=None,
            story="Keripik tempe rumahan, dibantu pendamping PKH.")
        category = db.session.scalar(select(Category).where(Category.parent_id.is_not(None))
                                     .order_by(Category.id).limit(1))
        listing.create_product(facilitator, store, title="Keripik Tempe Original",
                               category_id=category.id, weight_grams=250,
                               variants=[{"sku": "WATI-1", "price": 15000, "stock": 20}])
        db.session.flush()
        yield (f"Demo entrepreneur registered by phone: {ASSISTED_PHONE} (her facilitator "
               "gives her a code to set her password)")


def _seed_group_and_training(staff: User, facilitator: User, owners: list[User]) -> None:
    if owners:
        kube = db.session.scalar(select(Store).where(Store.owner_id == owners[0].id))
        groups.set_member(owners[0], kube, owners[0].email, "owner", 5000)
        for number, (role, share) in enumerate((("treasurer", 3000), ("member", 2000)), 1):
            member = accounts.create_user(f"anggota{number}@contoh.id", DEMO_PASSWORD, "buyer",
                                          name=f"Anggota KUBE {number}")
            groups.set_member(owners[0], kube, member.email, role, share)
    event = training.create_event(
        staff, topic="Pengemasan dan label produk pangan", ministry="kemenperin",
        held_on=date(2026, 9, 15), online=False, place="Balai Desa Kedungwuni",
        trainer="Tim Bimtek Kemenperin", province_code=PROVINCE)
    for owner in owners[:2]:
        training.record_attendance(facilitator, event, owner.email)
    _seed_materials(staff, owners)


def _seed_materials(staff: User, owners: list[User]) -> None:
    supplier = accounts.create_user("pemasok@contoh.id", DEMO_PASSWORD, "buyer",
                                    name="Pemasok Tepung Makmur")
    profile = materials.apply_as_supplier(supplier, business_name="Tepung Makmur",
                                          province_code=PROVINCE, whatsapp="081299990002")
    materials.decide_supplier(staff, profile.id, True)
    materials.post_offer(supplier, material="tepung tapioka", unit="kg", unit_price=12_000,
                         min_quantity=10, province_code=PROVINCE)
    for owner in owners[:2]:
        materials.post_need(owner, material="tepung tapioka", quantity=25, unit="kg",
                            needed_by=date.today() + timedelta(days=30))
    materials.open_group_purchase(staff, material="tepung tapioka", unit="kg",
                                  province_code=PROVINCE, note="Diambil di balai desa.")
