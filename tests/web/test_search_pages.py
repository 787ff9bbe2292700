"""The search page's "did you mean", autocomplete JSON, and the staff synonym list, over HTTP."""

import pytest
from sqlalchemy import func, select

from marketplace.models import AuditEvent, SynonymGroup
from marketplace.search.synonyms import install_defaults
from tests.conftest import built_once
from tests.fixtures.catalog import build_search_corpus, seeded_categories


@pytest.fixture
def shop(request, db, db_kind):
    """The search corpus with the default synonym groups (built once for the module)."""

    def build() -> dict:
        seeded_categories()
        install_defaults()
        db.session.commit()
        return build_search_corpus()

    return built_once(request, db_kind, build)


def test_a_misspelt_word_offers_the_corrected_search(client, shop):
    page = client.get("/search?q=kain+tennun").get_data(as_text=True)
    assert "Maksud Anda" in page
    assert 'href="/search?q=kain+tenun"' in page
    assert "Kain Tenun Ikat Sumba" in page


def test_a_correct_search_offers_nothing(client, shop):
    page = client.get("/search?q=tenun").get_data(as_text=True)
    assert "Maksud Anda" not in page and "Kain Tenun Ikat Sumba" in page


def test_variant_spellings_find_the_product(client, shop):
    page = client.get("/search?q=kripik+singkong").get_data(as_text=True)
    assert "Keripik Singkong Balado" in page and "Maksud Anda" not in page


def test_no_product_with_every_word_lists_those_with_some(client, shop):
    page = client.get("/search?q=songket+singkong").get_data(as_text=True)
    assert "berikut produk yang memuat sebagian" in page
    assert "Selendang Songket Palembang" in page and "Keripik Singkong Balado" in page


def test_the_page_loads_its_autocomplete_script_and_works_without_it(client, shop):
    page = client.get("/search?q=keripik").get_data(as_text=True)
    assert '<script src="/static/js/search-suggest.js" defer></script>' in page
    assert "<script>" not in page  # the CSP forbids inline scripts
    assert 'action="/search" method="get"' in page  # a plain form: no JavaScript needed
    assert client.get("/static/js/search-suggest.js").status_code == 200


def test_suggest_completes_the_last_word_and_names_categories(client, shop):
    response = client.get("/search/suggest?q=kain+ten")
    assert response.status_code == 200 and response.is_json
    assert response.json["completions"][0] == "kain tenun"
    assert {"name": "Tenun Ikat", "url": "/c/tenun-ikat"} in response.json["categories"]
    english = client.get("/search/suggest?q=woven&lang=en").json
    assert {"name": "Woven Crafts", "url": "/c/anyaman"} in english["categories"]


def test_suggest_ranks_common_words_first_and_forgives_typos(client, shop):
    assert client.get("/search/suggest?q=ker").json["completions"][0] == "keripik"
    assert "songket" in client.get("/search/suggest?q=sonkg").json["completions"]


@pytest.mark.parametrize("q", ["", "k", "x" * 500, "😀😀", "!!!", '"*NEAR-:', "кофе 咖啡",
                               "' OR 1=1 --"])
def test_suggest_answers_bad_input_with_json(client, shop, q):
    response = client.get("/search/suggest", query_string={"q": q})
    assert response.status_code == 200 and set(response.json) == {"completions", "categories"}


@pytest.mark.parametrize("q", ["😀", "a", "x" * 500, "batik 😀 كيك", "::", "\"'*-", "NEAR"])
def test_bad_search_input_gives_a_page(client, shop, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


# --- staff synonym list -----------------------------------------------------------------------

@pytest.mark.parametrize("role, status", [(None, 302), ("buyer", 403), ("vendor", 403),
                                          ("staff", 200), ("admin", 200)])
def test_only_staff_see_the_synonym_list(client, make_user, make_store, login, shop, db, role,
                                         status):
    if role == "vendor":
        login(make_store().owner)
    elif role:
        login(make_user(role))
    assert client.get("/staff/synonyms").status_code == status
    if status != 200:
        assert client.post("/staff/synonyms", data={"words": "batik, jarik"}).status_code == (
            status)
        assert client.post("/staff/synonyms/1/delete").status_code == status
        assert db.session.scalar(select(func.count()).select_from(SynonymGroup)) == 13


def test_staff_add_a_group_and_search_uses_it_at_once(client, make_user, login, shop, db):
    login(make_user("staff"))
    assert "Batik Tulis Pekalongan" not in client.get("/search?q=jarik").get_data(as_text=True)
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/synonyms"' in page  # reachable from the staff menu
    response = client.post("/staff/synonyms", data={"words": "Batik,  JARIK"})
    assert response.status_code == 302
    group = db.session.scalar(select(SynonymGroup).where(SynonymGroup.words == "batik, jarik"))
    assert group is not None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "synonyms.add"))
    assert "Batik Tulis Pekalongan" in client.get("/search?q=jarik").get_data(as_text=True)

    response = client.post(f"/staff/synonyms/{group.id}/delete")
    assert response.status_code == 302
    assert db.session.get(SynonymGroup, group.id) is None
    assert "Batik Tulis Pekalongan" not in client.get("/search?q=jarik").get_data(as_text=True)


@pytest.mark.parametrize("words, message", [
    ("batik", "perlu 2 sampai 10 kata"),
    ("batik tulis, batik cap", "Setiap kata harus satu kata"),
    ("keripik, kripik", "sudah ada di daftar"),
    (", ".join(f"kata{n}" for n in range(11)), "perlu 2 sampai 10 kata"),
])
def test_a_bad_group_is_refused_with_a_reason_and_nothing_saved(client, make_user, login, shop,
                                                                 db, words, message):
    login(make_user("staff"))
    count = db.session.scalar(select(func.count()).select_from(SynonymGroup))
    response = client.post("/staff/synonyms", data={"words": words})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SynonymGroup)) == count


def test_removing_a_group_that_is_gone_is_a_404(client, make_user, login, shop):
    login(make_user("staff"))
    response = client.post("/staff/synonyms/999999/delete")
    assert response.status_code == 404
