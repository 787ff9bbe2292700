"""API tokens: made on the account page (shown once, stored hashed), scoped, revocable,
expiring; the API answers 401/403 with WWW-Authenticate and notes each token's last use."""

import html
from datetime import timedelta

from sqlalchemy import select

from marketplace import create_app
from marketplace.models import ApiToken, ApiTokenKind, AuditEvent
from tests.conftest import settings_for_tests
from tests.fixtures.api import bearer


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_vendor_creates_a_token_on_the_account_page_and_sees_it_once(client, login, make_store,
                                                                     db):
    store = make_store()
    login(store.owner)
    profile = client.get("/account/profile").get_data(as_text=True)
    assert 'href="/account/api-tokens"' in profile
    assert 'href="/account/api-tokens"' in client.get("/vendor/").get_data(as_text=True)
    page = client.get("/account/api-tokens")
    assert "Token API" in page_text(page)  # Indonesian by default
    assert 'value="store:write"' in page.get_data(as_text=True)
    assert 'value="programme:read"' not in page.get_data(as_text=True)  # staff only

    created = client.post("/account/api-tokens", data={
        "name": "Aplikasi kasir", "scopes": ["store:write", "orders:write"], "days": "90"})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    secret = html.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert secret.startswith("pm_") and len(secret) > 40
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash
    assert token.scope_list == ["store:write", "orders:write"]
    assert token.kind is ApiTokenKind.PERSONAL
    # Shown once: the list shows only the first characters.
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in listing and token.prefix in listing

    assert client.get("/api/v1/vendor/products", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"

    client.post(f"/account/api-tokens/{token.id}/revoke")
    answer = client.get("/api/v1/vendor/products", headers=bearer(secret))
    assert answer.status_code == 401
    assert 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    assert db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("api_token.%")).order_by(AuditEvent.id)).all() == [
        "api_token.create", "api_token.revoke"]


def test_a_scope_the_person_may_not_grant_is_refused(client, login, make_user, db):
    buyer = make_user("buyer")
    login(buyer)
    refused = client.post("/account/api-tokens", data={
        "name": "Curang", "scopes": ["store:write"], "days": "30"})
    assert refused.status_code == 422
    assert "Pilih setidaknya satu" in page_text(refused)
    assert db.session.scalar(select(ApiToken)) is None


def test_missing_bad_expired_and_unscoped_tokens(client, make_store, make_token, db):
    owner = make_store().owner
    answer = client.get("/api/v1/vendor/products")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="Pasar Mandiri API"')
    assert "error" in answer.get_json()
    assert client.get("/api/v1/vendor/products",
                      headers=bearer("pm_not-a-real-token")).status_code == 401

    read_only = make_token(owner, ["catalog:read"])
    denied = client.get("/api/v1/vendor/products", headers=bearer(read_only))
    assert denied.status_code == 403
    assert 'error="insufficient_scope", scope="store:write"' in \
        denied.headers["WWW-Authenticate"]

    expiring = make_token(owner, ["store:write"])
    token = db.session.scalar(select(ApiToken).where(ApiToken.scopes == "store:write"))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/vendor/products", headers=bearer(expiring)).status_code == 401

    live = make_token(owner, ["store:write"], name="Lain")
    owner.active = False  # a disabled account's tokens stop with it
    db.session.commit()
    assert client.get("/api/v1/vendor/products", headers=bearer(live)).status_code == 401


def test_session_cookie_does_not_authenticate_the_api(client, login, make_store):
    login(make_store().owner)
    assert client.get("/api/v1/vendor/products").status_code == 401


def test_only_admins_make_service_tokens_and_only_they_grant_personal_data(
        client, login, make_user, db):
    staff = make_user("staff")
    login(staff)
    assert client.get("/staff/service-tokens").status_code == 403
    assert 'value="personal:read"' not in client.get("/account/api-tokens").get_data(
        as_text=True)
    client.get("/logout")

    admin = make_user("admin")
    login(admin)
    assert 'href="/staff/service-tokens"' in client.get("/staff/").get_data(as_text=True)
    page = client.get("/staff/service-tokens")
    assert 'value="personal:read"' in page.get_data(as_text=True)
    created = client.post("/staff/service-tokens", data={
        "name": "SIKS-NG Kemensos", "scopes": ["programme:read", "personal:read"],
        "days": "365"})
    assert created.status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert token.kind is ApiTokenKind.SERVICE and "personal:read" in token.scope_list
    client.post(f"/staff/service-tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(client, login, make_store, make_user,
                                               make_token, db):
    owner = make_store().owner
    secret = make_token(owner, ["store:write"])
    token = db.session.scalar(select(ApiToken))
    login(make_user("buyer"))
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    assert client.get("/api/v1/vendor/products", headers=bearer(secret)).status_code == 200


def test_english_page_reads_english(client, login, make_store):
    login(make_store().owner)
    text = page_text(client.get("/account/api-tokens?lang=en"))
    assert "API tokens" in text and "Create token" in text and "Valid for" in text


def test_rate_limited_per_token(database_url, media_dir, make_store, make_token):
    config = settings_for_tests(database_url, media_dir)
    config.update(RATELIMIT_ENABLED=True, API_TOKEN_RATE_LIMIT="2 per minute")
    client = create_app(config).test_client()
    owner = make_store().owner
    first, second = make_token(owner, ["store:write"]), make_token(owner, ["store:write"],
                                                                   name="Kedua")
    codes = [client.get("/api/v1/vendor/products", headers=bearer(first)).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = client.get("/api/v1/vendor/products", headers=bearer(first))
    assert limited.get_json()["error"]
    assert client.get("/api/v1/vendor/products", headers=bearer(second)).status_code == 200
