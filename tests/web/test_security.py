"""Security baseline: CSRF, cookies, headers, rate limits, body size."""

import os

import pytest

from marketplace import create_app
from tests.conftest import settings_for_tests
from tests.fixtures.accounts import PASSWORD


@pytest.fixture
def strict_app(database_url, media_dir, db):
    """The app as it runs for real: CSRF and rate limits on."""
    config = settings_for_tests(database_url, media_dir)
    config.update(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True,
                  LOGIN_LIMIT_PER_IP="8 per minute", LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    return create_app(config)


def test_forms_without_a_csrf_token_are_refused(strict_app, buyer):
    client = strict_app.test_client()
    response = client.post("/login", data={"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "formulir" in response.get_data(as_text=True).lower()


def test_login_is_rate_limited_per_account(strict_app, buyer):
    client = strict_app.test_client()
    strict_app.config["WTF_CSRF_ENABLED"] = False
    statuses = [client.post("/login", data={"email": buyer.email, "password": "Salah12345"})
                .status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    page = client.post("/login", data={"email": buyer.email, "password": PASSWORD})
    assert page.status_code == 429
    assert "Terlalu banyak percobaan" in page.get_data(as_text=True)


def test_login_is_rate_limited_per_ip(strict_app):
    client = strict_app.test_client()
    strict_app.config["WTF_CSRF_ENABLED"] = False
    statuses = [client.post("/login", data={"email": f"x{i}@contoh.id", "password": "Salah1234"})
                .status_code for i in range(9)]
    assert statuses[-1] == 429 and statuses[:8] == [401] * 8


def test_security_headers_on_every_response(client):
    for path in ("/", "/login", "/nope", "/healthz"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_lax(client, buyer):
    response = client.post("/login", data={"email": buyer.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_served_over_https(database_url, media_dir):
    config = settings_for_tests(database_url, media_dir)

    from marketplace.config import Config
    os.environ["PREFERRED_URL_SCHEME"] = "https"
    try:
        secure = Config()
    finally:
        del os.environ["PREFERRED_URL_SCHEME"]
    assert secure.SESSION_COOKIE_SECURE is True
    app = create_app({**config, "SESSION_COOKIE_SECURE": secure.SESSION_COOKIE_SECURE})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_oversized_bodies_get_413(client):
    response = client.post("/register", data={"name": "x" * (13 * 1024 * 1024)})
    assert response.status_code == 413
    assert "terlalu besar" in response.get_data(as_text=True)


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_down(media_dir, tmp_path):
    app = create_app(settings_for_tests(f"sqlite:///{tmp_path}/missing/dir/db.sqlite", media_dir))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"
