"""The search service on a small fixed corpus: the same top results on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import text

from marketplace.errors import NotFound
from marketplace.models import Category
from marketplace.search import SearchQuery, parse_query, search, tokens
from marketplace.search.service import subtree_ids
from marketplace.services.catalog import set_price_and_stock


def titles(result) -> list[str]:
    return [p.title for p in result.items]


@pytest.mark.parametrize("words, top", [
    ("keripik", "Keripik"),  # both Keripik products first, whatever their order
    ("keripik singkong", "Keripik Singkong Balado"),
    ("kerip", "Keripik"),  # prefix, as the buyer types
    ("Keripik  SINGKONG!", "Keripik Singkong Balado"),
    ("tenun", "Kain Tenun Ikat Sumba"),
    ("ditenun", "Kain Tenun Ikat Sumba"),  # a word of the description
    ("tenun ikat", "Kain Tenun Ikat Sumba"),
    ("songket", "Selendang Songket Palembang"),
    ("pekalongan", "Batik Tulis Pekalongan"),
    ("anyam desa", "Tas Anyaman Pandan"),  # store name
    ("woven", "Tas Anyaman Pandan"),  # category name in English
])
def test_relevant_products_come_first(search_corpus, words, top):
    result = search(SearchQuery(text=words))
    assert result.items and result.items[0].title.startswith(top)
    assert not result.fuzzy


def test_title_matches_rank_above_description_matches(search_corpus):
    result = search(SearchQuery(text="keripik"))
    assert titles(result)[:2] in (["Keripik Pisang Manis", "Keripik Singkong Balado"],
                                  ["Keripik Singkong Balado", "Keripik Pisang Manis"])
    assert titles(result)[2] == "Sambal Bawang Khas Jawa"  # "keripik" only in its description


@pytest.mark.parametrize("typo, expected", [
    ("kripik", "Keripik"), ("keripk", "Keripik"), ("songkett", "Selendang Songket Palembang"),
])
def test_misspellings_still_find_something(search_corpus, typo, expected):
    result = search(SearchQuery(text=typo))
    assert result.fuzzy
    assert result.items[0].title.startswith(expected)


def test_parent_category_names_find_their_products(search_corpus):
    assert set(titles(search(SearchQuery(text="kerajinan")))) == {
        "Tas Anyaman Pandan", "Gelas Gerabah Kasongan"}


def test_nothing_like_the_words_gives_no_results(search_corpus):
    result = search(SearchQuery(text="zzqxv"))
    assert result.items == [] and result.total == 0 and not result.fuzzy


@pytest.mark.parametrize("raw", ['"', "*", "NEAR", "OR", 'NEAR("a" "b")', "keripik*",
                                 "title:keripik", "' OR 1=1 --", "a" * 300, "^", "-x", "(x"])
def test_search_syntax_is_never_passed_to_the_database(search_corpus, raw):
    search(SearchQuery(text=raw))  # no database error


def test_tokens_keep_only_words():
    assert tokens('"Keripik"* OR NEAR(singkong)') == ["keripik", "or", "near", "singkong"]
    assert tokens("!!!") == [] and len(tokens("a " * 100)) == 8


def test_filters_narrow_the_results(search_corpus, categories):
    all_categories = list(categories.values())
    food = subtree_ids(all_categories, "makanan-olahan")
    assert set(titles(search(SearchQuery(category_ids=food)))) == {
        "Keripik Singkong Balado", "Keripik Pisang Manis", "Sambal Bawang Khas Jawa"}
    assert titles(search(SearchQuery(text="keripik", in_stock=True))) == [
        "Keripik Singkong Balado", "Sambal Bawang Khas Jawa"]  # the banana chips are sold out
    assert set(titles(search(SearchQuery(province="53")))) == {
        "Kain Tenun Ikat Sumba", "Selendang Songket Palembang"}
    priced = search(SearchQuery(min_price=20_000, max_price=40_000))
    assert set(titles(priced)) == {"Keripik Pisang Manis", "Kain Tenun Ikat Sumba",
                                   "Selendang Songket Palembang"}


def test_sorts(search_corpus):
    cheap_first = titles(search(SearchQuery(sort="price_asc")))
    assert cheap_first[0] == "Keripik Singkong Balado"
    assert cheap_first[-1] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(sort="price_desc")))[0] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(sort="newest")))[0] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(text="keripik", sort="price_desc")))[0] == (
        "Sambal Bawang Khas Jawa")


def test_best_selling_first(db, search_corpus):
    search_corpus["Tas Anyaman Pandan"].sold_count = 40
    db.session.commit()
    assert titles(search(SearchQuery(sort="best_selling")))[0] == "Tas Anyaman Pandan"


def test_pages_and_totals(search_corpus):
    first = search(SearchQuery(per_page=3))
    assert first.total == 8 and first.pages == 3 and len(first.items) == 3
    last = search(SearchQuery(per_page=3, page=3))
    assert len(last.items) == 2 and last.total == 8
    beyond = search(SearchQuery(per_page=3, page=9))
    assert beyond.items == []


def test_parse_query_drops_bad_values_with_a_notice(categories):
    query, notices = parse_query({"q": "x" * 300, "min_price": "murah", "max_price": "5.000",
                                  "category": "tidak-ada", "province": "99", "sort": "x",
                                  "page": "-3"}, list(categories.values()))
    assert len(query.text) == 200 and query.min_price is None and query.max_price == 5000
    assert query.category_ids is None and query.province is None
    assert query.sort == "relevance" and query.page == 1 and len(notices) == 4
    swapped, notices = parse_query({"min_price": "9000", "max_price": "1000"})
    assert (swapped.min_price, swapped.max_price) == (1000, 9000) and notices
    with pytest.raises(NotFound):
        parse_query({"page": "1000000000"})


def test_the_index_follows_product_store_and_category_changes(db, search_corpus, categories):
    """Triggers keep the index in step, inside the same transaction as the change."""
    product = search_corpus["Tas Anyaman Pandan"]
    product.title = "Tas Purun Rawa"
    db.session.flush()
    assert titles(search(SearchQuery(text="purun"))) == ["Tas Purun Rawa"]
    db.session.rollback()
    assert titles(search(SearchQuery(text="purun"))) == []  # rolled back with the change

    product.store.name = "Kriya Borneo"
    db.session.flush()
    assert set(titles(search(SearchQuery(text="borneo")))) == {"Tas Anyaman Pandan",
                                                             "Gelas Gerabah Kasongan"}
    category: Category = categories["kerajinan"]
    category.name_id = "Kriya Nusantara"
    db.session.flush()
    assert "Tas Anyaman Pandan" in titles(search(SearchQuery(text="nusantara")))
    db.session.commit()

    db.session.delete(search_corpus["Gelas Gerabah Kasongan"])
    db.session.commit()
    assert titles(search(SearchQuery(text="gerabah"))) == []


def test_price_changes_show_in_filters_at_once(db, search_corpus):
    product = search_corpus["Keripik Pisang Manis"]
    set_price_and_stock(product.store.owner, product.variants[0], 500_000, 3)
    db.session.commit()
    assert "Keripik Pisang Manis" in titles(search(SearchQuery(min_price=400_000)))
    assert "Keripik Pisang Manis" in titles(search(SearchQuery(in_stock=True)))


def test_rebuild_indexes_every_product(db, search_corpus):
    from marketplace.search.schema import rebuild

    assert rebuild(db.session.connection()) == len(search_corpus)
    assert titles(search(SearchQuery(text="sumba"))) == ["Kain Tenun Ikat Sumba"]
    assert db.session.execute(text("SELECT count(*) FROM product_search")).scalar() == 8
