"""Every page without parameters, opened by every kind of user: never a 500; private areas
are closed to those who don't belong there."""

import pytest


def _static_get_routes(app) -> list[str]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            routes.append(rule.rule)
    return sorted(routes)


@pytest.fixture
def people(make_user, make_store):
    vendor = make_user("buyer")
    make_store(owner=vendor)
    return {"buyer": make_user("buyer"), "vendor": vendor, "staff": make_user("staff"),
            "admin": make_user("admin")}


def _expected_denial(path: str, role: str | None) -> int | None:
    """The status a role must get on a private area, or None when it may enter."""
    if path.startswith(("/account", "/vendor", "/staff")) and role is None:
        return 302  # to the login page
    if path.startswith("/staff") and role in ("buyer", "vendor"):
        return 403
    return None


@pytest.mark.parametrize("role", [None, "buyer", "vendor", "staff", "admin"])
def test_every_page_answers_without_server_errors(app, client, people, login, role):
    if role:
        login(people[role])
    for path in _static_get_routes(app):
        if path == "/logout":
            continue
        response = client.get(path)
        response.get_data()  # a streamed download ends its request context here
        assert response.status_code < 500, f"{role} {path} -> {response.status_code}"
        expected = _expected_denial(path, role)
        if expected is not None:
            assert response.status_code == expected, f"{role} {path} -> {response.status_code}"
            if expected == 302:
                assert "/login" in response.headers["Location"]
