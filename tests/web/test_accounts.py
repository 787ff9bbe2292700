"""Registering, logging in and out, password reset and change, from the browser's side."""

import re

import pytest
from sqlalchemy import func, select

from marketplace.models import OutboxMessage, User
from tests.fixtures.accounts import PASSWORD


def register(client, **overrides):
    data = {"name": "Sri Wahyuni", "email": "sri@contoh.id", "phone": "0812-3456-7890",
            "password": "Batik2026tulis", "confirm": "Batik2026tulis", **overrides}
    return client.post("/register", data=data)


def user_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_a_buyer_and_logs_in(client, db):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "sri@contoh.id"))
    assert user.roles == ["buyer"] and user.phone == "+6281234567890"
    assert user.password_hash.startswith("scrypt:")
    assert "Sri Wahyuni" in client.get("/").get_data(as_text=True) or client.get(
        "/account/profile").status_code == 200


def test_register_rejects_bad_input_with_messages_and_writes_nothing(client, db):
    cases = [
        ({"email": "not-an-email"}, "Masukkan alamat email yang benar"),
        ({"password": "short1", "confirm": "short1"}, "Gunakan minimal 8 karakter"),
        ({"password": "onlyletters", "confirm": "onlyletters"}, "huruf dan angka"),
        ({"confirm": "different123"}, "Kata sandi tidak sama"),
        ({"phone": "12"}, "nomor telepon Indonesia"),
    ]
    for overrides, message in cases:
        response = register(client, **overrides)
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), overrides
    assert user_count(db) == 0


def test_duplicate_registration_is_refused(client, db, make_user):
    make_user(email="sri@contoh.id")
    response = register(client, email="SRI@contoh.id")
    assert response.status_code == 422
    assert "sudah terdaftar" in response.get_data(as_text=True)
    assert user_count(db) == 1


@pytest.mark.parametrize("look_alike",
                         ["ｓｒｉ@ｃｏｎｔｏｈ.ｉｄ", "  Sri@Contoh.ID ", "ＳＲＩ@contoh.id"])
def test_look_alike_emails_are_the_same_account(client, db, make_user, look_alike):
    """Full-width, padded or upper-case spellings are normalised (NFKC, trim, case-fold)."""
    make_user(email="sri@contoh.id")
    response = register(client, email=look_alike)
    assert response.status_code == 422
    assert "sudah terdaftar" in response.get_data(as_text=True)
    assert user_count(db) == 1
    login = client.post("/login", data={"email": look_alike, "password": PASSWORD})
    assert login.status_code == 302


def test_a_full_width_email_is_stored_in_its_plain_spelling(client, db):
    assert register(client, email="ｐｅｍｂｅｌｉ@contoh.id").status_code == 302
    assert db.session.scalar(select(User.email)) == "pembeli@contoh.id"


def test_wrong_password_and_unknown_email_get_the_same_message(client, buyer):
    wrong = client.post("/login", data={"email": buyer.email, "password": "Salah12345"})
    unknown = client.post("/login", data={"email": "nobody@contoh.id", "password": "Salah12345"})
    assert wrong.status_code == unknown.status_code == 401
    text = "Email atau kata sandi salah."
    assert text in wrong.get_data(as_text=True) and text in unknown.get_data(as_text=True)


def test_login_and_logout(client, buyer, login):
    login(buyer)
    assert client.get("/account/profile").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/account/profile").status_code == 302


def test_disabled_account_cannot_log_in(client, db, buyer):
    buyer.active = False
    db.session.commit()
    response = client.post("/login", data={"email": buyer.email, "password": PASSWORD})
    assert response.status_code == 401


def test_next_only_redirects_to_local_paths(client, buyer):
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example",
                    "javascript:alert(1)"):
        response = client.post(f"/login?next={hostile}",
                               data={"email": buyer.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"] == "/", hostile
        client.post("/logout")
    response = client.post("/login?next=/account/profile",
                           data={"email": buyer.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/profile"


def _reset_link(db, email) -> str:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to == email).order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"http://127.0.0.1:5000(/password/reset/\S+)", message.body).group(1)


def test_password_reset_by_emailed_token(client, db, buyer):
    response = client.post("/password/forgot", data={"email": buyer.email})
    assert response.status_code == 302
    link = _reset_link(db, buyer.email)
    response = client.post(link, data={"password": "Tenun2026ikat", "confirm": "Tenun2026ikat"})
    assert response.status_code == 302
    login = client.post("/login", data={"email": buyer.email, "password": "Tenun2026ikat"})
    assert login.status_code == 302
    # The link works once: the password it was made for has changed.
    reuse = client.post(link, data={"password": "Lain2026kata", "confirm": "Lain2026kata"})
    assert reuse.status_code == 400
    assert "tidak berlaku" in reuse.get_data(as_text=True)


def test_reset_links_use_the_configured_server_name_never_the_host_header(app, client, db,
                                                                          buyer):
    app.config.update(SERVER_NAME="pasarmandiri.id", PREFERRED_URL_SCHEME="https")
    try:
        response = client.post("/password/forgot", data={"email": buyer.email},
                               headers={"Host": "evil.example"})
    finally:
        app.config.update(SERVER_NAME=None, PREFERRED_URL_SCHEME="http")
    assert response.status_code == 302
    body = db.session.scalar(select(OutboxMessage.body))
    assert "evil.example" not in body
    assert re.search(r"https://pasarmandiri\.id/password/reset/\S+", body)


def test_without_server_name_dev_links_point_at_the_local_run(client, db, buyer):
    client.post("/password/forgot", data={"email": buyer.email},
                headers={"Host": "evil.example"})
    body = db.session.scalar(select(OutboxMessage.body))
    assert "evil.example" not in body and "http://127.0.0.1:5000/password/reset/" in body


def test_links_point_at_the_port_the_local_run_serves_on(app, client, db, buyer):
    """`make run PORT=8123` sets LOCAL_SERVER_NAME: its email links lead to that port."""
    app.config.update(LOCAL_SERVER_NAME="127.0.0.1:8123")
    try:
        client.post("/password/forgot", data={"email": buyer.email})
    finally:
        app.config.update(LOCAL_SERVER_NAME="127.0.0.1:5000")
    body = db.session.scalar(select(OutboxMessage.body))
    assert "http://127.0.0.1:8123/password/reset/" in body


def test_make_run_gives_its_port_to_the_seed_and_the_server():
    """The demo's seed queues email too (its orders): both commands get the port."""
    import os
    import subprocess
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    recipe = subprocess.run(["make", "-n", "--no-print-directory", "run", "PORT=8123"],
                            cwd=Path(__file__).parents[2], env=env, capture_output=True,
                            text=True, check=True).stdout.replace("\\\n", " ")
    seed, serve = (next(line for line in recipe.splitlines() if command in line)
                   for command in (" seed-demo", " run --host"))
    assert "LOCAL_SERVER_NAME=127.0.0.1:8123 " in seed
    assert "LOCAL_SERVER_NAME=127.0.0.1:8123 " in serve and "--port 8123" in serve


def test_production_without_server_name_refuses_to_send_reset_mail(app, client, db, buyer):
    app.config.update(PREFERRED_URL_SCHEME="https")
    try:
        response = client.post("/password/forgot", data={"email": buyer.email})
    finally:
        app.config.update(PREFERRED_URL_SCHEME="http")
    assert response.status_code == 503
    assert "tidak tersedia" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_reset_for_unknown_email_says_the_same_and_sends_nothing(client, db):
    response = client.post("/password/forgot", data={"email": "nobody@contoh.id"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_forged_and_expired_reset_tokens_are_refused(app, client, db, buyer):
    forged = client.post("/password/reset/forged.token.value",
                         data={"password": "Tenun2026ikat", "confirm": "Tenun2026ikat"})
    assert forged.status_code == 400
    client.post("/password/forgot", data={"email": buyer.email})
    link = _reset_link(db, buyer.email)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        expired = client.post(link, data={"password": "Tenun2026ikat",
                                          "confirm": "Tenun2026ikat"})
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    assert expired.status_code == 400
    assert "kedaluwarsa" in expired.get_data(as_text=True)


def test_reset_email_goes_through_smtp_after_commit(client, db, buyer, smtp_server):
    client.post("/password/forgot", data={"email": buyer.email})
    assert [m["To"] for m in smtp_server.messages] == [buyer.email]
    assert db.session.scalar(select(OutboxMessage.sent_at)) is not None


def test_change_password_needs_the_current_one(client, db, buyer, login):
    login(buyer)
    wrong = client.post("/account/password", data={
        "current": "Salah12345", "password": "Songket2026", "confirm": "Songket2026"})
    assert wrong.status_code == 422
    ok = client.post("/account/password", data={
        "current": PASSWORD, "password": "Songket2026", "confirm": "Songket2026"})
    assert ok.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": buyer.email,
                                       "password": "Songket2026"}).status_code == 302


def test_profile_saves_language_and_phone(client, db, buyer, login):
    login(buyer)
    response = client.post("/account/profile", data={"name": "Budi", "phone": "081298765432",
                                                     "locale": "en"})
    assert response.status_code == 302
    db.session.refresh(buyer)
    assert (buyer.name, buyer.phone, buyer.locale) == ("Budi", "+6281298765432", "en")
    assert "My orders" in client.get("/").get_data(as_text=True)
