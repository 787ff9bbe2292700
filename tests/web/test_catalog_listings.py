"""Buyer catalog pages over one catalogue of 60 products, built once for the module and
restored before each test: listings, search, paging, validators and bad input."""

import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from marketplace.clock import utcnow
from marketplace.extensions import db as _db
from marketplace.models import Category, Store
from marketplace.services.stores.featured import schedule_feature
from tests.conftest import Snapshot
from tests.fixtures.accounts import new_user
from tests.fixtures.catalog import new_product
from tests.fixtures.stores import new_store


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        # Transaction control (BEGIN, COMMIT, SAVEPOINT) is not a query that reads data.
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK",
                                                        "SAVEPOINT", "RELEASE"):
            self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """count_queries(fn) -> (result, number of SQL statements fn ran)."""

    def run(fn):
        counter = QueryCounter()
        engine = _db.engine
        _db.session.remove()  # a fresh session, as a real request has
        event.listen(engine, "before_cursor_execute", counter)
        try:
            result = fn()
        finally:
            event.remove(engine, "before_cursor_execute", counter)
        return result, counter.statements

    return run


@pytest.fixture(scope="module")
def catalogue(shared_categories, db_kind):
    """Two verified stores (one featured) with 30 products each across categories, and a
    buyer, built once; `(stores, products)` by id and slug, and the Snapshot of it all."""
    staff = new_user("staff")
    stores = [new_store(name="Dapur Bu Sri"), new_store(name="Tenun Lestari", province_code="53")]
    products = []
    for number in range(60):
        store = stores[number % 2]
        category = ("keripik-camilan", "tenun-ikat", "batik-tulis")[number % 3]
        products.append(new_product(store=store, title=f"Keripik Tenun Batik {number}",
                                    category=category, price=1000 * (number + 1)))
    schedule_feature(staff, stores[0], 1, utcnow() - timedelta(days=1),
                     utcnow() + timedelta(days=1))
    _db.session.commit()
    buyer = new_user("buyer")
    built = ([SimpleNamespace(id=s.id, slug=s.slug) for s in stores],
             [SimpleNamespace(id=p.id, slug=p.slug) for p in products])
    return built, SimpleNamespace(email=buyer.email), Snapshot(db_kind)


@pytest.fixture
def many_products(catalogue):
    return catalogue[0]


@pytest.fixture
def buyer(catalogue):
    return catalogue[1]


@pytest.fixture
def client(app, catalogue):
    """A test client on the catalogue as it was built (restored before each test)."""
    with app.app_context():
        catalogue[2].restore()
        yield app.test_client()


def test_public_pages_need_at_most_five_queries(client, many_products, count_queries):
    stores, products = many_products
    product = products[0]
    urls = ["/", "/c/makanan-olahan", "/c/keripik-camilan?page=1", "/search?q=keripik",
            "/search?q=keripik&category=batik-tenun&province=53&min_price=100&max_price=90000"
            "&in_stock=1&sort=price_asc", "/search?q=kripik", "/search?q=zzzzqqq",
            f"/p/{product.id}-{product.slug}", f"/s/{stores[0].slug}",
            f"/s/{stores[1].slug}?page=2"]
    for url in urls:
        response, statements = count_queries(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert len(statements) <= 5, (url, statements)


def test_a_search_in_price_order_far_above_the_cheapest_product_keeps_to_five_queries(
        client, many_products, count_queries):
    """PostgreSQL asks for price order by ranges of price from the cheapest product's
    (Rp1.000 here): a match priced Rp50.000.000 is still found within a page's five queries."""
    stores, _products = many_products
    new_product(store=_db.session.get(Store, stores[0].id), title="Kain Songket Emas",
                price=50_000_000, category="tenun-ikat")
    _db.session.commit()
    client.get("/search?q=songket")  # the search learns the new word
    response, statements = count_queries(
        lambda: client.get("/search?q=songket&sort=price_asc"))
    assert response.status_code == 200
    assert "Kain Songket Emas" in response.get_data(as_text=True)
    assert len(statements) <= 5, statements


def test_the_category_tree_is_read_once_until_a_category_changes(client, many_products,
                                                                   count_queries):
    client.get("/c/makanan-olahan")
    for url in ("/c/makanan-olahan", "/search?q=keripik", "/search/suggest?q=kerip"):
        response, statements = count_queries(lambda url=url: client.get(url))
        assert response.status_code == 200
        assert not [s for s in statements if "FROM categories" in s], url
    food = _db.session.scalar(select(Category).filter_by(slug="makanan-olahan"))
    food.name_id = "Makanan Rumahan"
    sambal = Category(slug="sambal-kemasan", name_id="Sambal Kemasan",
                      name_en="Bottled Sambal", parent_id=food.id, position=9)
    _db.session.add(sambal)
    _db.session.flush()
    # A third level, listed before its parent by position.
    _db.session.add(Category(slug="sambal-bawang", name_id="Sambal Bawang",
                             name_en="Shallot Sambal", parent_id=sambal.id, position=0))
    _db.session.commit()
    page = client.get("/c/makanan-olahan").get_data(as_text=True)
    assert "Makanan Rumahan" in page and "/c/sambal-kemasan" in page
    assert client.get("/c/sambal-bawang").status_code == 200
    parents = {c["slug"]: c["parent"]
               for c in client.get("/api/v1/categories").get_json()["items"]}
    assert parents["sambal-kemasan"] == "makanan-olahan"
    assert parents["sambal-bawang"] == "sambal-kemasan"


def test_home_shows_featured_new_categories_and_regions(client, many_products):
    page = client.get("/").get_data(as_text=True)
    featured = page[page.index('id="featured-title"'):page.index('id="categories-title"')]
    assert "Dapur Bu Sri" in featured and "Tenun Lestari" not in featured
    assert "Keripik Tenun Batik 59" in page  # newest first
    assert "/c/batik-tenun" in page and "/c/makanan-olahan" in page
    assert "/search?province=53" in page


def test_category_page_lists_subcategory_products_and_paginates(client, many_products):
    page = client.get("/c/makanan-olahan").get_data(as_text=True)
    assert "Keripik &amp; Camilan" in page  # subcategory link
    assert "20 produk" in page and "Keripik Tenun Batik 0<" in page
    assert "Keripik Tenun Batik 1<" not in page  # a weaving product
    page = client.get("/c/batik-tenun?sort=price_asc").get_data(as_text=True)
    assert "Halaman 1 dari 2" in page
    assert page.index("Keripik Tenun Batik 1<") < page.index("Keripik Tenun Batik 2<")
    second = client.get("/c/batik-tenun?sort=price_asc&page=2").get_data(as_text=True)
    assert "Halaman 2 dari 2" in second and "Keripik Tenun Batik 59<" in second


BAD_SEARCHES = [
    "", "   ", "x" * 500, "!!!???...", '"', "*", "NEAR", "OR", "a OR b", 'NEAR("a" "b")',
    "keripik*", '"keripik', "title:keripik", "^keripik", "' OR 1=1 --",
    "'; DROP TABLE products; --", "%", "_", "\\", "<script>alert(1)</script>", "日本語",
    "kripik AND", "-keripik", "(keripik", "{a}",
]  # NUL is refused before any view (400): tests/web/test_bad_input.py


@pytest.mark.parametrize("q", BAD_SEARCHES)
def test_bad_search_text_gives_a_page_not_an_error(client, many_products, q):
    response = client.get("/search", query_string={"q": q})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("args, status", [
    ({"page": "0"}, 200), ({"page": "-1"}, 200), ({"page": "abc"}, 200),
    ({"page": str(10**9)}, 404), ({"page": "99"}, 200),
    ({"min_price": "murah"}, 200), ({"max_price": "1e9"}, 200),
    ({"min_price": "90000", "max_price": "100"}, 200), ({"min_price": "9" * 40}, 200),
    ({"category": "tidak-ada"}, 200), ({"province": "99"}, 200), ({"sort": "drop"}, 200),
    ({"in_stock": "maybe"}, 200), ({"page": "2", "after": "x.y"}, 200),
    ({"page": "2", "after": "9" * 18 + ".9", "sort": "price_asc"}, 200),
    ({"page": "3", "before": "1." + "9" * 12, "sort": "newest"}, 200),
])
def test_bad_filters_give_a_sensible_page(client, many_products, args, status):
    for path in ("/search", "/c/batik-tenun", f"/s/{many_products[0][0].slug}"):
        response = client.get(path, query_string={"q": "keripik", **args})
        assert response.status_code == status, (path, args)


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("start", ["/search?q=keripik&sort=price_asc", "/search?sort=newest",
                                   "/c/batik-tenun?sort=best_selling"])
def test_next_and_previous_links_page_through_every_product_once(client, many_products,
                                                                 start):
    """Links carry where the next page starts (no JavaScript, no OFFSET): following them
    shows each product once, and the pages old ?page=N addresses show."""
    pages, url = [], start
    while url:
        page = client.get(url).get_data(as_text=True)
        pages.append(re.findall(r'<span class="title">([^<]+)</span>', page))
        url = _link(page, "next")
        assert url is None or "after=" in url
    found = [title for titles in pages for title in titles]
    assert len(found) == len(set(found)) == (60 if "/search" in start else 40)
    assert [len(titles) for titles in pages] == [24] * (len(pages) - 1) + [len(found) % 24]
    numbered = client.get(f"{start}&page={len(pages)}").get_data(as_text=True)
    assert re.findall(r'<span class="title">([^<]+)</span>', numbered) == pages[-1]
    back = _link(page, "prev")
    assert ("before=" in back) == (len(pages) > 2)  # page 1 is cheap by its number
    assert re.findall(r'<span class="title">([^<]+)</span>',
                      client.get(back).get_data(as_text=True)) == pages[-2]


def test_swapped_price_range_is_corrected_and_said(client, many_products):
    page = client.get("/search?q=keripik&min_price=5000&max_price=1000").get_data(as_text=True)
    assert "kami tukar" in page
    assert "Keripik Tenun Batik 2<" in page and "Keripik Tenun Batik 5<" not in page


def test_public_pages_send_validators_and_answer_304(client, many_products):
    stores, products = many_products
    for url in ("/", "/c/keripik-camilan", "/search?q=keripik",
                f"/p/{products[0].id}-{products[0].slug}", f"/s/{stores[0].slug}"):
        response = client.get(url)
        assert response.headers["ETag"]
        vary = ", ".join(response.headers.getlist("Vary"))
        assert "Cookie" in vary and "Accept-Language" in vary
        again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304, url
    listing = client.get("/c/keripik-camilan")
    assert listing.headers["Last-Modified"]


def test_language_and_login_make_a_different_private_page(client, many_products, buyer, login):
    anonymous = client.get("/")
    assert anonymous.cache_control.public and anonymous.cache_control.max_age == 60
    english = client.get("/?lang=en")
    assert english.headers["ETag"] != anonymous.headers["ETag"]
    assert english.cache_control.private
    login(buyer)
    signed_in = client.get("/")
    assert signed_in.cache_control.private and signed_in.cache_control.no_cache
    assert signed_in.headers["ETag"] != anonymous.headers["ETag"]


def test_sitemap_and_robots(client, many_products):
    stores, products = many_products
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert f"http://localhost/p/{products[0].id}-{products[0].slug}" in sitemap
    assert f"http://localhost/s/{stores[0].slug}" in sitemap
    assert "http://localhost/c/tenun-ikat" in sitemap
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://localhost/sitemap.xml" in robots and "Disallow: /vendor/" in robots

