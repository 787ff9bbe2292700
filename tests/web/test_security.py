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
                  LOGIN_LIMIT_PER_IP="8 per minute", LOGIN_LIMIT_PER_ACCOUNT_IP="3 per minute",
                  LOGIN_LIMIT_PER_ACCOUNT="6 per minute", REGISTER_LIMIT="5 per hour")
    return create_app(config)


def _from(app, ip: str):
    """A test client whose requests come from `ip` (no proxy in front)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


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


def test_an_attacker_cannot_lock_the_owner_out(strict_app, buyer):
    """Wrong passwords from one IP block that IP for that account, not the owner elsewhere."""
    strict_app.config["WTF_CSRF_ENABLED"] = False
    attacker = _from(strict_app, "198.51.100.7")
    statuses = [attacker.post("/login", data={"email": buyer.email, "password": "Salah12345"})
                .status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    owner = _from(strict_app, "203.0.113.20")
    assert owner.post("/login", data={"email": buyer.email, "password": PASSWORD}
                      ).status_code == 302


def test_a_distributed_guess_meets_the_slower_per_account_limit(strict_app, buyer):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    statuses = [_from(strict_app, f"198.51.100.{i}").post(
        "/login", data={"email": buyer.email, "password": "Salah12345"}).status_code
        for i in range(7)]
    assert statuses == [401] * 6 + [429]


def test_successful_logins_do_not_use_up_the_account_limit(strict_app, buyer):
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = _from(strict_app, "203.0.113.20")
    for _ in range(5):
        assert client.post("/login", data={"email": buyer.email, "password": PASSWORD}
                           ).status_code == 302


def test_registration_is_rate_limited(strict_app):
    """Probing which emails are registered: at most REGISTER_LIMIT tries an hour per IP."""
    strict_app.config["WTF_CSRF_ENABLED"] = False
    client = strict_app.test_client()
    statuses = [client.post("/register", data={"name": "A", "email": f"x{i}@contoh.id",
                                               "password": "x", "confirm": "x"}).status_code
                for i in range(6)]
    assert statuses == [422] * 5 + [429]


def test_behind_a_trusted_proxy_clients_are_told_apart(database_url, media_dir, db):
    """With TRUSTED_PROXIES=1 the per-IP limit uses X-Forwarded-For from nginx, so people
    behind one proxy do not share one limit; without it the header is not believed."""
    config = settings_for_tests(database_url, media_dir)
    config.update(RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_IP="3 per minute", TRUSTED_PROXIES=1)
    behind_proxy = create_app(config).test_client()
    config.update(TRUSTED_PROXIES=0)
    direct = create_app(config).test_client()
    for client, expected in ((behind_proxy, [401] * 5), (direct, [401] * 3 + [429] * 2)):
        statuses = [client.post("/login", data={"email": f"x{i}@contoh.id", "password": "x1"},
                                headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                    for i in range(5)]
        assert statuses == expected
    https = behind_proxy.get("/", headers={"X-Forwarded-For": "198.51.100.1",
                                           "X-Forwarded-Proto": "https"})
    assert https.status_code == 200


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
