"""Search ranking, filters and paging: read-only tests over one corpus built per module."""

import pytest

from marketplace.search import SearchQuery, search
from marketplace.search.service import subtree_ids


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
def test_relevant_products_come_first(shared_search_corpus, words, top):
    result = search(SearchQuery(text=words))
    assert result.items and result.items[0].title.startswith(top)
    assert not result.fuzzy


def test_title_matches_rank_above_description_matches(shared_search_corpus):
    result = search(SearchQuery(text="keripik"))
    assert titles(result)[:2] in (["Keripik Pisang Manis", "Keripik Singkong Balado"],
                                  ["Keripik Singkong Balado", "Keripik Pisang Manis"])
    assert titles(result)[2] == "Sambal Bawang Khas Jawa"  # "keripik" only in its description


@pytest.mark.parametrize("typo, expected", [
    ("kripik", "Keripik"), ("keripk", "Keripik"), ("songkett", "Selendang Songket Palembang"),
])
def test_misspellings_still_find_something(shared_search_corpus, typo, expected):
    result = search(SearchQuery(text=typo))
    assert result.fuzzy
    assert result.items[0].title.startswith(expected)


def test_parent_category_names_find_their_products(shared_search_corpus):
    assert set(titles(search(SearchQuery(text="kerajinan")))) == {
        "Tas Anyaman Pandan", "Gelas Gerabah Kasongan"}


def test_nothing_like_the_words_gives_no_results(shared_search_corpus):
    result = search(SearchQuery(text="zzqxv"))
    assert result.items == [] and result.total == 0 and not result.fuzzy


@pytest.mark.parametrize("raw", ['"', "*", "NEAR", "OR", 'NEAR("a" "b")', "keripik*",
                                 "title:keripik", "' OR 1=1 --", "a" * 300, "^", "-x", "(x"])
def test_search_syntax_is_never_passed_to_the_database(shared_search_corpus, raw):
    search(SearchQuery(text=raw))  # no database error


def test_filters_narrow_the_results(shared_search_corpus, shared_categories):
    all_categories = list(shared_categories.values())
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


def test_sorts(shared_search_corpus):
    cheap_first = titles(search(SearchQuery(sort="price_asc")))
    assert cheap_first[0] == "Keripik Singkong Balado"
    assert cheap_first[-1] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(sort="price_desc")))[0] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(sort="newest")))[0] == "Gelas Gerabah Kasongan"
    assert titles(search(SearchQuery(text="keripik", sort="price_desc")))[0] == (
        "Sambal Bawang Khas Jawa")


def test_pages_and_totals(shared_search_corpus):
    first = search(SearchQuery(per_page=3))
    assert first.total == 8 and first.pages == 3 and len(first.items) == 3
    last = search(SearchQuery(per_page=3, page=3))
    assert len(last.items) == 2 and last.total == 8
    beyond = search(SearchQuery(per_page=3, page=9))
    assert beyond.items == []
