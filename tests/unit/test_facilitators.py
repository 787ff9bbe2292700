"""Facilitator services: caseloads, consent, acting for a store with audit, assisted onboarding."""

import pytest
from sqlalchemy import select

from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.models import AuditEvent, Product, User
from marketplace.permissions import can
from marketplace.services.catalog import listing
from marketplace.services.programme import facilitation, onboarding, training
from marketplace.services.stores import groups, storefront
from marketplace.services.users import accounts
from tests.fixtures.accounts import PASSWORD

pytestmark = pytest.mark.usefixtures("db")


@pytest.mark.parametrize("raw", ["0812-3456-7001", "+62 812 3456 7001", "6281234567001",
                                 "0812 3456 7001", "+6281234567001"])
def test_register_by_phone_normalises_any_common_form(registered_by_phone, raw):
    _facilitator, user = registered_by_phone(raw)
    assert user.phone == "+6281234567001"
    assert user.email is None
    assert accounts.authenticate("081234567001", "anything1") is None  # no password yet


@pytest.mark.parametrize("raw", ["12345", "+1 202 555 0100", "0812-abc", ""])
def test_register_refuses_a_number_that_is_not_indonesian(db, make_facilitator, raw):
    facilitator = make_facilitator()
    with pytest.raises(ValidationError) as caught:
        onboarding.register_entrepreneur(facilitator, name="Ibu Ani", phone=raw, consent=True)
    assert "phone" in caught.value.errors
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.name == "Ibu Ani")) is None


def test_register_refuses_a_phone_already_registered(db, registered_by_phone):
    facilitator, _user = registered_by_phone("081234567002")
    with pytest.raises(ValidationError):
        onboarding.register_entrepreneur(facilitator, name="Lagi", phone="+62 812-3456-7002",
                                         consent=False)


def test_only_facilitators_register_entrepreneurs(make_user):
    with pytest.raises(PermissionDenied):
        onboarding.register_entrepreneur(make_user("staff"), name="X", phone="081234567003",
                                         consent=True)


def test_setup_code_sets_her_password_once_then_login_by_phone_or_email(db,
                                                                        registered_by_phone):
    facilitator, user = registered_by_phone("081234567004")
    _user, code = onboarding.issue_setup_code(facilitator, user.id)
    db.session.commit()
    onboarding.redeem_setup_code("+62 812-3456-7004", code.lower(), "Kripik2026baru")
    db.session.commit()
    assert accounts.authenticate("0812 3456 7004", "Kripik2026baru") == user
    with pytest.raises(ValidationError):  # used
        onboarding.redeem_setup_code("081234567004", code, "Lain2026lagi")
    with pytest.raises(Conflict):  # she set it: her facilitator cannot issue another
        onboarding.issue_setup_code(facilitator, user.id)
    onboarding.add_email(user, "Sari@Contoh.id")
    db.session.commit()
    assert accounts.authenticate("sari@contoh.id", "Kripik2026baru") == user


def test_setup_code_stops_after_wrong_guesses(db, registered_by_phone):
    facilitator, user = registered_by_phone("081234567005")
    _user, code = onboarding.issue_setup_code(facilitator, user.id)
    for _ in range(onboarding.MAX_ATTEMPTS):
        with pytest.raises(ValidationError):
            onboarding.redeem_setup_code("081234567005", "AAAA-AAAA", "Kripik2026baru")
        db.session.commit()
    with pytest.raises(ValidationError):
        onboarding.redeem_setup_code("081234567005", code, "Kripik2026baru")
    assert db.session.get(User, user.id).password_hash == accounts.UNSET_PASSWORD


def test_a_new_code_voids_the_old_one(db, registered_by_phone):
    facilitator, user = registered_by_phone("081234567006")
    _user, old = onboarding.issue_setup_code(facilitator, user.id)
    _user, new = onboarding.issue_setup_code(facilitator, user.id)
    with pytest.raises(ValidationError):
        onboarding.redeem_setup_code("081234567006", old, "Kripik2026baru")
    onboarding.redeem_setup_code("081234567006", new, "Kripik2026baru")


def test_facilitator_opens_her_store_without_payout_account_and_it_is_audited(
        db, registered_by_phone):
    facilitator, user = registered_by_phone("081234567007")
    store = onboarding.open_store_for(
        facilitator, user.id, name="Keripik Bu Sari", story="", province_code="33",
        regency="Kota Pekalongan", whatsapp="081234567007", participant_code=None)
    db.session.commit()
    assert store.owner_id == user.id and store.bank_account_number == ""
    [entry] = [a for a in facilitation.store_activity(user, store) if a.event.action == "assist"]
    assert entry.event.actor_id == facilitator.id
    assert entry.event.after["facilitator"] == facilitator.name
    assert entry.event.after["store"] == "Keripik Bu Sari"


def test_open_store_needs_consent_and_her_region(db, registered_by_phone, make_facilitator):
    facilitator, user = registered_by_phone("081234567008", consent=False)
    fields = {"name": "Toko", "story": "", "province_code": "33", "regency": "Kota Pekalongan",
              "whatsapp": "081234567008", "participant_code": None}
    with pytest.raises(PermissionDenied):
        onboarding.open_store_for(facilitator, user.id, **fields)
    facilitation.set_consent(user, True)
    with pytest.raises(ValidationError):
        onboarding.open_store_for(facilitator, user.id, **{**fields, "province_code": "31"})
    db.session.rollback()
    with pytest.raises(NotFound):
        onboarding.open_store_for(make_facilitator(), user.id, **fields)


def test_acting_with_consent_is_audited_with_both_people(db, assisted_store, categories):
    facilitator, store = assisted_store()
    product = listing.create_product(
        facilitator, store, title="Batik Tulis", category_id=categories["keripik-camilan"].id,
        weight_grams=200, variants=[{"sku": "BT-1", "price": 150000, "stock": 3}])
    db.session.commit()
    assert product.store_id == store.id
    [entry] = [a for a in facilitation.store_activity(store.owner, store)
               if a.event.action == "assist"]
    assert entry.event.actor_id == facilitator.id and entry.event.subject_id == store.id
    assert any("Batik Tulis" in line for line in entry.lines)


def test_owner_actions_are_not_recorded_as_assisted(db, assisted_store, categories):
    _facilitator, store = assisted_store()
    listing.create_product(
        store.owner, store, title="Sendiri", category_id=categories["keripik-camilan"].id,
        weight_grams=200, variants=[{"sku": "S-1", "price": 1000, "stock": 3}])
    db.session.commit()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assist")) is None


def test_facilitator_never_changes_the_payout_account(db, assisted_store):
    facilitator, store = assisted_store()
    with pytest.raises(ValidationError):
        storefront.update_store(facilitator, store, bank_account_number="999999999")
    db.session.rollback()
    storefront.update_store(facilitator, store, story="Cerita baru")
    db.session.commit()
    assert store.story == "Cerita baru" and store.bank_account_number == "0123456789"


def test_withdrawn_consent_ends_acting(db, assisted_store, categories):
    facilitator, store = assisted_store()
    facilitation.set_consent(store.owner, False)
    db.session.commit()
    assert not can(facilitator, "store.manage", store)
    with pytest.raises(PermissionDenied):
        facilitation.store_to_act_for(facilitator, store.id)
    with pytest.raises(PermissionDenied):
        listing.create_product(facilitator, store, title="X",
                               category_id=categories["keripik-camilan"].id, weight_grams=1,
                               variants=[{"sku": "X-1", "price": 1000, "stock": 1}])
    assert db.session.scalar(select(Product.id)) is None


def test_the_store_worked_on_is_her_own_or_one_she_acts_for(db, assisted_store, make_store):
    """One rule for the vendor pages and the API's Acting-Store header."""
    facilitator, store = assisted_store()
    other = make_store()
    assert facilitation.store_to_work_on(store.owner, None) is store
    assert facilitation.store_to_work_on(store.owner, store.id) is store
    assert facilitation.store_to_work_on(facilitator, None) is None  # she has no store herself
    assert facilitation.store_to_work_on(facilitator, store.id) is store
    for user, store_id in ((facilitator, other.id), (store.owner, other.id), (facilitator, 10**9)):
        with pytest.raises(PermissionDenied):
            facilitation.store_to_work_on(user, store_id)
    facilitation.set_consent(store.owner, False)
    with pytest.raises(PermissionDenied):
        facilitation.store_to_work_on(facilitator, store.id)


def test_invite_by_code_and_region_rule(db, make_facilitator, make_store):
    inside, outside = make_facilitator("33"), make_facilitator("31")
    store = make_store()
    with pytest.raises(ValidationError):
        facilitation.invite(store.owner, facilitation.require_facilitator(outside).invite_code)
    with pytest.raises(ValidationError):
        facilitation.invite(store.owner, "NOPE00")
    row = facilitation.invite(store.owner, facilitation.require_facilitator(inside)
                              .invite_code.lower())
    assert row.facilitator_id == inside.id and not row.has_consent


def test_staff_assign_by_phone_and_reassign_resets_consent(db, make_facilitator, make_user,
                                                           assisted_store):
    first, store = assisted_store()
    store.owner.phone = "+6281234567009"
    second = make_facilitator()
    staff = make_user("staff")
    row = facilitation.assign(staff, second.id, "0812-3456-7009")
    assert row.facilitator_id == second.id and not row.has_consent
    assert not can(first, "store.manage", store) and not can(second, "store.manage", store)
    with pytest.raises(Conflict):
        facilitation.assign(staff, second.id, "0812-3456-7009")
    with pytest.raises(PermissionDenied):
        facilitation.assign(first, second.id, "0812-3456-7009")


def test_caseload_lists_what_needs_help(db, assisted_store, registered_by_phone, make_product):
    facilitator, store = assisted_store()
    registered_by_phone("081234567010", facilitator=facilitator)
    make_product(store=store, stock=2)
    cases = {c.row.entrepreneur.name: c for c in facilitation.caseload(facilitator)}
    new = cases["Ibu Sari"]
    assert {"no_store", "password_unset"} <= set(new.needs)
    existing = cases[store.owner.name]
    assert "low_stock" in existing.needs and "no_recent_sale" in existing.needs
    assert "no_active_products" not in existing.needs and "not_verified" not in existing.needs


def test_create_facilitator_is_staff_only(make_user):
    with pytest.raises(PermissionDenied):
        facilitation.create_facilitator(make_user("buyer"), name="X", email="x@contoh.id",
                                        password=PASSWORD, province_code="33")


def test_seed_demo_prints_a_facilitator_login_with_a_caseload(app, db):
    from marketplace.seed.people import FACILITATOR_EMAIL

    runner = app.test_cli_runner()
    # Seeded stores go round ten provinces: the eleventh is the second in Central Java (33).
    args = ["seed-demo", "--quiet", "--stores", "12", "--products", "1", "--orders", "2"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert f"Demo facilitator: {FACILITATOR_EMAIL} / " in first.output
    facilitator = accounts.find_user_by_email(FACILITATOR_EMAIL)
    cases = facilitation.caseload(facilitator)
    assert any(c.store and c.store.name == "Keripik Bu Wati" for c in cases)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assist"))
    assert any(len(groups.members(c.store)) == 3 for c in cases if c.store)
    assert len(training.events(facilitator)) == 1
    assert "pemasok@contoh.id" in first.output
    second = runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert len(facilitation.caseload(facilitator)) == len(cases)
