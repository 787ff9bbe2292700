"""Paging listings and searches by cursor: every sort walked page by page forwards and back
gives each product once, the same pages as page numbers give, across ties of the sort value
and across the end of the relevance-ranked window. Read-only: one corpus per module."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from marketplace.clock import utcnow
from marketplace.extensions import db as _db
from marketplace.models import Product
from marketplace.search import SearchQuery, search
from marketplace.search.service import COUNT_AHEAD_PAGES, Cursor, parse_query
from tests.fixtures.catalog import new_product
from tests.fixtures.stores import new_store

PER_PAGE = 3
#: More products than the relevance window of 3-product pages (30), so the newest-first
#: pages after it are walked too.
PRODUCTS = 3 * COUNT_AHEAD_PAGES + 14


@pytest.fixture(scope="module")
def listing(shared_categories):
    """PRODUCTS keripik products, in groups that share a price, a sale count and a creation
    time (ties the id must break), plus one product of another kind."""
    store = new_store(name="Dapur Bu Sri")
    created = utcnow() - timedelta(days=1)
    ids = []
    for number in range(PRODUCTS):
        product = new_product(store=store, title=f"Keripik Singkong {number}",
                              price=1000 * (number % 5 + 1))
        _db.session.execute(update(Product).where(Product.id == product.id).values(
            sold_count=number % 4, created_at=created + timedelta(minutes=number // 3)))
        ids.append(product.id)
    new_product(store=store, title="Kain Tenun Ikat", category="tenun-ikat")
    _db.session.commit()
    return ids


def _ids(**fields) -> tuple[list[int], object]:
    result = search(SearchQuery(per_page=PER_PAGE, **fields))
    return [card.id for card in result.items], result


def _walk_forward(**fields) -> list[list[int]]:
    pages, after, page = [], None, 1
    while True:
        ids, result = _ids(page=page, after=after, **fields)
        pages.append(ids)
        if page >= result.pages:
            return pages
        after, page = result.after, page + 1


LISTINGS = [
    {"sort": "newest"}, {"sort": "price_asc"}, {"sort": "price_desc"},
    {"sort": "best_selling"}, {"text": "keripik"}, {"text": "keripik", "sort": "price_asc"},
    {"text": "keripik", "sort": "best_selling"}, {"text": "keripik", "min_price": 2000},
    # Asked for by ranges of price on PostgreSQL (backends' `in_price_order`).
    {"text": "keripik", "sort": "price_desc"},
    {"text": "keripik", "sort": "price_asc", "min_price": 2000, "max_price": 4000},
    {"text": "keripik", "sort": "price_desc", "min_price": 1500, "max_price": 3000},
]


@pytest.mark.parametrize("fields", LISTINGS, ids=lambda f: "-".join(map(str, f.values())))
def test_cursor_pages_list_every_product_once_as_page_numbers_do(listing, fields):
    pages = _walk_forward(category_ids=None, **fields)
    found = [i for page in pages for i in page]
    assert len(found) == len(set(found))  # no product on two pages
    expected = set(listing)
    low, high = fields.get("min_price", 0), fields.get("max_price", 10 ** 9)
    expected = {i for n, i in enumerate(listing) if low <= 1000 * (n % 5 + 1) <= high}
    if "text" not in fields:
        expected |= set(found) - set(listing)  # the one tenun product too
        assert len(expected) == len(listing) + 1
    assert set(found) == expected  # and none left out
    assert all(len(page) == PER_PAGE for page in pages[:-1])
    for number, page in enumerate(pages, start=1):
        assert _ids(page=number, **fields)[0] == page  # old ?page=N links: the same page


@pytest.mark.parametrize("fields", LISTINGS[:5], ids=lambda f: "-".join(map(str, f.values())))
def test_previous_links_walk_back_through_the_same_pages(listing, fields):
    pages = _walk_forward(**fields)
    number = len(pages)
    ids, result = _ids(page=number, **fields)
    while number > 1:
        number -= 1
        ids, result = _ids(page=number, before=result.before, **fields)
        assert ids == pages[number - 1], number
        # A cursor for its own previous page, unless that is page 1, or page 11 or before
        # by relevance (ranked pages, and the first after them, cost no more by number).
        plain = COUNT_AHEAD_PAGES + 1 if "text" in fields and "sort" not in fields else 1
        assert (result.before is None) == (number - 1 <= plain)


def test_the_ranked_window_is_the_same_on_every_page(listing):
    """Relevance ranks the same newest matches on pages 1 and 10: a window that grew with
    the page number moved products from one page to the next."""
    first = _walk_forward(text="keripik")
    assert len(first) == PRODUCTS // PER_PAGE + (PRODUCTS % PER_PAGE > 0)
    # Page 11 begins with the newest match the window left out.
    window = {i for page in first[:COUNT_AHEAD_PAGES] for i in page}
    assert max(first[COUNT_AHEAD_PAGES]) < min(window)


@pytest.mark.parametrize("raw", ["abc", "1.", ".5", "1.2.3", "-1.5", "9" * 19 + ".1",
                                 "1." + "9" * 13, ""])
def test_a_cursor_that_is_not_one_means_the_page_number(raw):
    query, _notices = parse_query({"page": "3", "after": raw, "before": raw})
    assert query.after is None and query.before is None and query.page == 3


def test_a_cursor_beyond_every_value_gives_a_page_not_an_error(listing):
    far = Cursor(10 ** 18 - 1, 1)  # beyond any price, and any date a datetime can hold
    assert _ids(page=2, after=far, sort="price_asc")[0] == []
    assert _ids(page=2, after=far, sort="price_asc", text="keripik")[0] == []
    assert _ids(page=2, after=far, sort="price_desc", text="keripik")[0] == _ids(
        page=1, sort="price_desc", text="keripik")[0]
    assert _ids(page=2, before=far, sort="price_asc")[0] == _walk_forward(sort="price_asc")[-1]
    assert _ids(page=2, after=far, sort="newest")[0] == _ids(page=1, sort="newest")[0]
