"""The permission matrix: every kind of actor against every action, in one table."""

import pytest
from flask_login import AnonymousUserMixin

from marketplace import permissions
from marketplace.errors import PermissionDenied
from marketplace.models import Order, Store, User

OWNER_ID, BUYER_ID = 10, 20


def _user(user_id: int, *, staff: bool = False, admin: bool = False, active: bool = True):
    return User(id=user_id, email=f"u{user_id}@contoh.id", name=f"U{user_id}", is_staff=staff,
                is_admin=admin, active=active)


ACTORS = {
    "system (None)": None,
    "anonymous": AnonymousUserMixin(),
    "buyer": _user(BUYER_ID),
    "owner": _user(OWNER_ID),
    "another vendor": _user(30),
    "staff": _user(40, staff=True),
    "admin": _user(50, admin=True),
    "disabled staff": _user(60, staff=True, active=False),
    "disabled owner": _user(OWNER_ID, active=False),
}
# (Facilitators need their caseload rows: the database test at the end.)

#: action -> the actors allowed; everyone else is refused.
ALLOWED = {
    "staff.work": {"staff", "admin"},
    "admin.accounts": {"admin"},
    "admin.personal_data": {"admin"},
    "accounts.sessions": {"staff", "admin"},
    "store.manage": {"owner"},
    "store.payouts": {"owner"},
    "store.identity": {"owner"},
    "order.sell": {"owner"},
    "order.buy": {"buyer"},
}


def _subject(action: str):
    store = Store(id=1, owner_id=OWNER_ID, name="Toko", slug="toko")
    if action.startswith("order."):
        return Order(id=1, buyer_id=BUYER_ID, store_id=1, store=store)
    return store if action.startswith("store.") else None


def test_every_rule_is_in_the_matrix():
    assert set(ALLOWED) == set(permissions.RULES)


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("name", list(ACTORS))
def test_matrix(name, action):
    actor, subject = ACTORS[name], _subject(action)
    expected = name in ALLOWED[action]
    assert permissions.can(actor, action, subject) is expected
    if expected:
        permissions.require(actor, action, subject)
    else:
        with pytest.raises(PermissionDenied):
            permissions.require(actor, action, subject)


def test_helpers_treat_anonymous_none_and_disabled_alike():
    for name in ("system (None)", "anonymous", "disabled staff"):
        actor = ACTORS[name]
        assert not permissions.is_signed_in(actor)
        assert not permissions.is_staff(actor) and not permissions.is_admin(actor)
    assert permissions.is_staff(ACTORS["admin"])  # admins are staff too


def test_an_unknown_action_is_an_error_not_a_no():
    with pytest.raises(KeyError):
        permissions.can(ACTORS["admin"], "store.delete_everything")


def test_a_facilitator_acts_for_a_store_only_with_consent_and_never_on_payouts(
        db, assisted_store):
    facilitator, store = assisted_store()
    assert permissions.can(facilitator, "store.manage", store)
    assert permissions.can(facilitator, "order.sell", Order(store=store, buyer_id=BUYER_ID))
    assert not permissions.can(facilitator, "store.payouts", store)
    assert permissions.can(store.owner, "store.payouts", store)
    assert not permissions.can(facilitator, "staff.work")
    pending, other_store = assisted_store(consent=False)
    assert not permissions.can(pending, "store.manage", other_store)
