"""Indonesian by default; ?lang, the cookie, the account and Accept-Language choose English."""


def test_indonesian_is_the_default(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="id">' in page and "Masuk" in page


def test_lang_parameter_switches_and_is_remembered(client):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Log in" in page
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    assert '<html lang="id">' in client.get("/?lang=id").get_data(as_text=True)


def test_accept_language_is_respected(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page


def test_switch_is_saved_on_the_account(client, db, buyer, login):
    login(buyer)
    client.get("/?lang=en")
    db.session.refresh(buyer)
    assert buyer.locale == "en"


def test_unknown_language_is_a_clear_400(client):
    response = client.get("/?lang=fr")
    assert response.status_code == 400
    assert "Bahasa Indonesia" in response.get_data(as_text=True)


def test_error_pages_in_both_languages(client):
    assert "Halaman tidak ditemukan" in client.get("/nope").get_data(as_text=True)
    assert "Page not found" in client.get("/nope?lang=en").get_data(as_text=True)
