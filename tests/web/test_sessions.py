"""Ending sessions: logout, a new password, a reset and staff end the cookies issued before,
also copies of them on other phones (session cookie and "keep me logged in")."""

import re

import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import select

from marketplace.models import AuditEvent, OutboxMessage
from tests.fixtures.accounts import PASSWORD

REMEMBER = "remember_token"
NEW_PASSWORD = "Songket2026baru"


class Browser(FlaskClient):
    """A test client whose every request finds its user from its own cookies. The `db`
    fixture's app context spans the test, so flask.g (where Flask-Login keeps the user it
    loaded) would otherwise carry one browser's user into the next browser's request."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


def browser_of(app) -> Browser:
    return Browser(app, app.response_class, use_cookies=True)


def signed_in(client) -> bool:
    """Whether this browser is logged in: the profile page answers instead of sending it to
    the login page."""
    return client.get("/account/profile").status_code == 200


def log_in(app, user, remember: bool = False):
    browser = browser_of(app)
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def copy_of(app, browser, *names):
    """Another browser holding copies of the named cookies of `browser` (a stolen cookie)."""
    thief = browser_of(app)
    for name in names:
        cookie = browser.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def test_a_copied_session_cookie_stops_working_at_logout(app, db, buyer):
    phone = log_in(app, buyer)
    copy = copy_of(app, phone, "session")
    assert signed_in(copy)
    assert phone.post("/logout").status_code == 302
    assert not signed_in(phone)
    assert not signed_in(copy)


def test_a_copied_remember_cookie_stops_working_at_logout(app, db, buyer):
    phone = log_in(app, buyer, remember=True)
    copy = copy_of(app, phone, REMEMBER)
    assert signed_in(copy)  # "keep me logged in" alone signs a new browser in
    phone.post("/logout")
    assert not signed_in(phone)
    assert not signed_in(copy)


def test_logout_forgets_everything_the_session_held(app, db, assisted_store):
    facilitator, store = assisted_store()
    browser = log_in(app, facilitator)
    assert browser.post(f"/pendamping/kasus/{store.owner_id}/bantu").status_code == 302
    with browser.session_transaction() as session:
        assert session["acting_store_id"] == store.id
    browser.post("/logout")
    with browser.session_transaction() as session:
        assert dict(session) == {"_flashes": [("success", "Anda sudah keluar.")]}


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app, db, buyer):
    laptop = log_in(app, buyer, remember=True)
    other = log_in(app, buyer, remember=True)
    other_remembered = copy_of(app, other, REMEMBER)
    response = laptop.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(other)
    assert not signed_in(other_remembered)
    # The changing browser keeps "keep me logged in", under the new version.
    assert signed_in(copy_of(app, laptop, REMEMBER))


def test_a_wrong_current_password_ends_nothing(app, db, buyer):
    laptop = log_in(app, buyer)
    other = log_in(app, buyer)
    response = laptop.post("/account/password", data={
        "current": "Salah2026x", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert signed_in(laptop) and signed_in(other)


def test_a_password_reset_ends_every_session(app, db, buyer):
    phone = log_in(app, buyer, remember=True)
    remembered = copy_of(app, phone, REMEMBER)
    stranger = browser_of(app)
    stranger.post("/password/forgot", data={"email": buyer.email})
    body = db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.to == buyer.email)
                              .order_by(OutboxMessage.id.desc())).first()
    link = re.search(r"http://127.0.0.1:5000(/password/reset/\S+)", body).group(1)
    assert stranger.post(link, data={"password": NEW_PASSWORD,
                                     "confirm": NEW_PASSWORD}).status_code == 302
    assert not signed_in(phone)
    assert not signed_in(remembered)
    assert not signed_in(stranger)
    assert log_in_with(app, buyer.email, NEW_PASSWORD)


def log_in_with(app, email: str, password: str) -> bool:
    return browser_of(app).post("/login", data={"email": email,
                                                  "password": password}).status_code == 302


def test_staff_end_all_sessions_of_an_account_from_its_page(app, db, buyer, staff):
    phone = log_in(app, buyer, remember=True)
    remembered = copy_of(app, phone, REMEMBER)
    desk = log_in(app, staff)
    assert "/staff/users" in desk.get("/staff/").get_data(as_text=True)  # in the staff menu
    found = desk.get("/staff/users", query_string={"q": buyer.email}).get_data(as_text=True)
    assert f"/staff/users/{buyer.id}" in found
    page = desk.get(f"/staff/users/{buyer.id}").get_data(as_text=True)
    assert "Akhiri semua sesi" in page
    response = desk.post(f"/staff/users/{buyer.id}/end-sessions")
    assert response.status_code == 302
    assert not signed_in(phone) and not signed_in(remembered)
    assert signed_in(desk)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.end_sessions"))
    assert (event.actor_id, event.subject_type, event.subject_id) == (staff.id, "user", buyer.id)
    # Her password still works: she logs in again.
    assert log_in_with(app, buyer.email, PASSWORD)


@pytest.mark.parametrize("role", ["buyer", "vendor", "facilitator", "supplier"])
def test_ending_someone_elses_sessions_is_denied_to_non_staff(app, db, make_user, buyer, role):
    if role == "facilitator":
        intruder = make_user("buyer")
        intruder.is_facilitator = True
    elif role == "supplier":
        intruder = make_user("buyer")
        intruder.is_supplier = True
    else:
        intruder = make_user(role)
    db.session.commit()
    phone = log_in(app, buyer)
    browser = log_in(app, intruder)
    assert browser.post(f"/staff/users/{buyer.id}/end-sessions").status_code in (403, 404)
    assert browser.get(f"/staff/users/{buyer.id}").status_code in (403, 404)
    anonymous = browser_of(app)
    assert anonymous.post(f"/staff/users/{buyer.id}/end-sessions").status_code == 302
    assert signed_in(phone)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.end_sessions")) is None


def test_only_an_admin_ends_a_staff_accounts_sessions(app, db, make_user, staff, admin):
    colleague = make_user("staff")
    at_work = log_in(app, colleague)
    desk = log_in(app, staff)
    assert "Akhiri semua sesi" not in desk.get(f"/staff/users/{colleague.id}").get_data(
        as_text=True)
    assert desk.post(f"/staff/users/{colleague.id}/end-sessions").status_code == 403
    assert signed_in(at_work)
    assert log_in(app, admin).post(f"/staff/users/{colleague.id}/end-sessions").status_code == 302
    assert not signed_in(at_work)


def test_disabling_an_account_ends_its_sessions(app, db, admin, make_user):
    colleague = make_user("staff")
    at_work = log_in(app, colleague, remember=True)
    remembered = copy_of(app, at_work, REMEMBER)
    assert log_in(app, admin).post(f"/staff/accounts/{colleague.id}/disable").status_code == 302
    assert not signed_in(at_work) and not signed_in(remembered)


def test_a_session_cookie_without_its_version_is_anonymous(app, db, buyer):
    browser = browser_of(app)
    for forged in (str(buyer.id), f"{buyer.id}:", f"{buyer.id}:x", f"{buyer.id}:99",
                   "99999999999999999999:0"):
        with browser.session_transaction() as session:
            session["_user_id"] = forged
            session["_fresh"] = True
        assert not signed_in(browser), forged
