"""The search service on a small fixed corpus: query parsing and the index following writes
(ranking and filters, which only read: test_search_ranking.py)."""

import pytest
from sqlalchemy import text

from marketplace.errors import NotFound
from marketplace.models import Category
from marketplace.search import SearchQuery, parse_query, search, tokens
from marketplace.search.words import RootWords, Vocabulary
from marketplace.services.catalog.listing import set_price_and_stock


def titles(result) -> list[str]:
    return [p.title for p in result.items]


def test_tokens_keep_only_words():
    assert tokens('"Keripik"* OR NEAR(singkong)') == ["keripik", "or", "near", "singkong"]
    assert tokens("!!!") == [] and len(tokens("a " * 100)) == 8


def test_best_selling_first(db, search_corpus):
    search_corpus["Tas Anyaman Pandan"].sold_count = 40
    db.session.commit()
    assert titles(search(SearchQuery(sort="best_selling")))[0] == "Tas Anyaman Pandan"


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


def test_typos_follow_words_another_process_saved_and_not_sales(db, search_corpus):
    """The vocabulary typos are read from is kept per process and reloaded when the words
    version moves (what another process's commit of new text does), not when stock does."""
    from marketplace import versions
    from marketplace.search.words import WORDS_VERSION

    product = search_corpus["Tas Anyaman Pandan"]
    assert titles(search(SearchQuery(text="tas"))) == ["Tas Anyaman Pandan"]
    # Written behind this process's ORM, as another worker's change looks from here.
    db.session.execute(text("UPDATE products SET title = 'Tas Purun Rawa' WHERE id = :id"),
                       {"id": product.id})
    db.session.commit()
    assert titles(search(SearchQuery(text="purunn"))) == []  # "purun" not read yet
    versions.bump(WORDS_VERSION)
    assert titles(search(SearchQuery(text="purunn"))) == ["Tas Purun Rawa"]

    before = versions.current(WORDS_VERSION)
    set_price_and_stock(product.store.owner, product.variants[0], 75_000, 9)
    db.session.commit()
    assert versions.current(WORDS_VERSION) == before
    product.title = "Tas Purun Kalimantan"
    db.session.commit()
    assert versions.current(WORDS_VERSION) != before
    assert titles(search(SearchQuery(text="kalimantn"))) == ["Tas Purun Kalimantan"]


def test_ranking_many_different_products_keeps_a_worker_small():
    """The words kept for ranking stay a few MB however many different products a worker
    ranks (a catalogue of real, all different descriptions once grew it by ~6 KB each)."""
    import random
    import string
    import tracemalloc

    from marketplace.search.service import _document_words

    picks = random.Random(7)
    vocabulary = ["".join(picks.choices(string.ascii_lowercase, k=picks.randint(3, 10)))
                  for _ in range(20_000)]
    texts = [(" ".join(picks.choices(vocabulary, k=6)), " ".join(picks.choices(vocabulary, k=60)),
              f"Toko {n}", "Batik", "Kain", None, None) for n in range(3_000)]
    _document_words.cache_clear()
    tracemalloc.start()
    try:
        for text_of_product in texts:
            _document_words(text_of_product)
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        _document_words.cache_clear()
    assert kept < 8_000_000


def test_the_vocabulary_knows_and_completes_numbers_and_words_alike():
    """Terms with digits are kept apart from the words (most of a large index is numbers),
    and are still found, counted and completed."""
    vocabulary = Vocabulary([("batik", 40), ("500g", 3), ("250", 9), ("2024", 2), ("25", 30),
                             ("batu", 5), ("250", 1), ("a4", 4)])
    for term in ("batik", "500g", "250", "a4"):
        assert term in vocabulary
    assert "251" not in vocabulary and "bat" not in vocabulary
    assert vocabulary.completions("25", 5) == ["25", "250"]
    assert vocabulary.completions("2", 2) == ["25", "250"]
    assert vocabulary.completions("ba", 5) == ["batik", "batu"]
    assert vocabulary.typos("batk", 1, prefix=False) == [(1, "batik"), (1, "batu")]


def _kept_in_memory(make):
    """What `make()` returns, and the bytes of Python memory it left allocated."""
    import tracemalloc

    tracemalloc.start()
    try:
        made = make()
        return made, tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()


def test_a_vocabulary_of_a_hundred_thousand_numbers_keeps_a_worker_small():
    """The terms with digits of a large index (sizes, years, product numbers: 99,998 of the
    100,159 terms at 1M products) are kept packed, not as 100,000 strings (7 MB a worker),
    and each is still found and completed."""
    import itertools

    # Made as they are read (as from the database), so only what the vocabulary keeps stays.
    terms = itertools.chain(((f"{n}g", 1) for n in range(100_000)), [("9999g", 50)])
    vocabulary, kept = _kept_in_memory(lambda: Vocabulary(terms))
    assert kept < 2_500_000
    assert "99999g" in vocabulary and "0g" in vocabulary and "100000g" not in vocabulary
    assert vocabulary.completions("9999", 3) == ["9999g", "99990g", "99991g"]


def test_the_stemmers_root_words_answer_as_sastrawis_own_in_a_fraction_of_the_memory():
    """Sastrawi's stemmer asks its dictionary whether a word is a root: RootWords answers as
    Sastrawi's own dictionary does, for each of its ~30,000 roots and for words that are not
    roots, and keeps under 1 MB of a worker where that dictionary kept 2.6 MB."""
    from Sastrawi.Dictionary.ArrayDictionary import ArrayDictionary
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    words = StemmerFactory().get_words()
    roots, kept = _kept_in_memory(lambda: RootWords(words))
    assert kept < 1_000_000
    sastrawi = ArrayDictionary(words)
    asked = [*words, *(word + "nya" for word in words[::10]), *(word[1:] for word in words[::10]),
             "", None, "batiknya", "menenun", "kripik"]
    assert [roots.contains(word) for word in asked] == [sastrawi.contains(word) for word in asked]
    assert sum(map(roots.contains, asked)) > 29_000


def test_stemming_what_buyers_type_keeps_no_more_than_the_bounded_cache():
    """Every distinct word a buyer types is stemmed: only `stem`'s own bounded cache may keep
    them (Sastrawi's factory kept each one for the life of the worker). Python's own cache of
    regular expressions, which Sastrawi builds from the word, is bounded too: emptied here."""
    import gc
    import random
    import re
    import string
    import tracemalloc

    from marketplace.search.words import stem

    rng = random.Random(7)
    words = ["me" + "".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(3000)]
    stem("membatik")  # the dictionary is loaded before measuring
    stem.cache_clear()
    re.purge()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for word in words:
            stem(word)
        stem.cache_clear()
        re.purge()
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 50_000, f"{kept} bytes kept after stemming {len(words)} words"


@pytest.mark.postgres
def test_the_newest_matches_are_the_same_asked_for_by_ranges_of_ids(db, make_store, make_product):
    """PostgreSQL asks its index for the newest ids first (the newest 4,096, then as many
    more as the matches so far say the window needs, named by ranges of 4,096 to 262,144
    ids, then the rest): each window of newest matches is what one query over every product
    gives, wherever the matches fall."""
    from marketplace.models import Product
    from marketplace.search import backends
    from marketplace.search.service import visible_ids
    from marketplace.search.words import Term

    store = make_store()
    made = []
    for start in (None, 5_000, 40_000, 300_000, 600_000, 690_000, 705_000):
        if start:
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('products', 'id'), "
                                    ":start)"), {"start": start})
        made += [make_product(store, title=f"Kopi Robusta {start} {n}") for n in range(2)]
        make_product(store, title=f"Teh Melati {start}")
    made.append(make_product(store, title="Kopi Robusta terbaru"))  # the newest id of all
    backend = backends.for_dialect("postgresql")
    window = backend.match(visible_ids(), [[Term("kopi")], [Term("robusta")]]).order_by(
        Product.id.desc())
    connection = db.session.connection()
    everything = connection.execute(window).all()
    assert [row.id for row in everything] == sorted((p.id for p in made), reverse=True)
    assert everything[0].id > 705_000
    for limit in range(1, len(made) + 2):
        assert backend.newest(connection, window, limit, together=True) == everything[:limit]
