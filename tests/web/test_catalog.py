"""Buyer catalog pages: what they show, what they hide, caching, sharing and bad input."""

import html
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from marketplace.clock import utcnow
from marketplace.extensions import db as _db
from marketplace.models import ProductStatus
from marketplace.services.stores.featured import schedule_feature
from marketplace.services.stores.verification import suspend_store


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


@pytest.fixture
def many_products(db, make_store, make_product, staff):
    """Two verified stores (one featured) with 30 products each across categories."""
    stores = [make_store(name="Dapur Bu Sri"), make_store(name="Tenun Lestari",
                                                          province_code="53")]
    products = []
    for number in range(60):
        store = stores[number % 2]
        category = ("keripik-camilan", "tenun-ikat", "batik-tulis")[number % 3]
        products.append(make_product(store=store, title=f"Keripik Tenun Batik {number}",
                                     category=category, price=1000 * (number + 1)))
    schedule_feature(staff, stores[0], 1, utcnow() - timedelta(days=1),
                     utcnow() + timedelta(days=1))
    db.session.commit()
    return stores, products


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


def test_product_page_shows_variants_permits_store_and_sharing(client, make_store, make_product):
    store = make_store(name="Dapur Bu Sri", whatsapp="081234567890")
    product = make_product(
        store=store, title="Keripik Singkong Balado", option1_name="Ukuran",
        description="Pedas manis, tanpa pengawet.", pirt_number="206327301012324",
        halal_number="ID33110000123450123", halal_expires_on=date(2030, 1, 31),
        variants=[{"sku": "KS-100", "option1": "100 g", "price": 12000, "stock": 3},
                  {"sku": "KS-250", "option1": "250 g", "price": 25000, "stock": 0}],
    )
    response = client.get(f"/p/{product.id}-{product.slug}")
    page = response.get_data(as_text=True)
    assert "Rp12.000 – Rp25.000" in page
    assert "Sisa 3" in page and "Stok habis" in page
    assert "P-IRT 206327301012324" in page and "ID33110000123450123" in page
    assert "Belum ada ulasan." in page
    assert "https://wa.me/6281234567890" in page and "https://wa.me/?text=" in page
    canonical = f"http://localhost/p/{product.id}-{product.slug}"
    assert f'<link rel="canonical" href="{canonical}">' in page
    assert '<meta property="og:type" content="product">' in page
    assert '<meta property="product:price:amount" content="12000">' in page
    assert "<title>Keripik Singkong Balado – Rp12.000 · Dapur Bu Sri</title>" in page
    assert 'name="description" content="Pedas manis, tanpa pengawet."' in page


def test_product_address_variants_redirect_to_the_canonical_one(client, make_product):
    product = make_product(title="Keripik Pisang")
    for url in (f"/p/{product.id}", f"/p/{product.id}-judul-lama"):
        response = client.get(url)
        assert response.status_code == 301
        assert response.headers["Location"].endswith(f"/p/{product.id}-keripik-pisang")


def test_store_page_shows_story_region_and_only_its_products(client, make_store, make_product):
    store = make_store(name="Tenun Lestari", province_code="53", regency="Kab. Sumba Timur")
    make_product(store=store, title="Kain Tenun Ikat")
    make_product(title="Keripik Tetangga")
    page = client.get(f"/s/{store.slug}").get_data(as_text=True)
    assert "Kab. Sumba Timur, Nusa Tenggara Timur" in page
    assert "Kain Tenun Ikat" in page and "Keripik Tetangga" not in page
    assert '<meta property="og:title" content="Tenun Lestari">' in page


@pytest.fixture
def hidden_products(db, make_store, make_product, make_user, staff):
    """One product for each way of not being public; returns their titles."""
    public = make_store()
    pending = make_store(verified=False)
    suspended = make_store()
    make_product(store=public, title="Tampil Publik")
    make_product(store=public, title="Rahasia Draf", status=ProductStatus.DRAFT)
    make_product(store=public, title="Rahasia Arsip", status=ProductStatus.ARCHIVED)
    hidden = make_product(store=public, title="Rahasia Disembunyikan")
    hidden.hidden = True
    make_product(store=pending, title="Rahasia Toko Baru")
    make_product(store=suspended, title="Rahasia Toko Dibekukan")
    suspend_store(staff, suspended, "Melanggar aturan")
    db.session.commit()
    return public, pending, suspended


def test_hidden_products_never_appear(client, hidden_products, db):
    public, pending, suspended = hidden_products
    from marketplace.models import Product

    for url in ("/", "/search?q=rahasia", "/search?q=rahasi", "/search?q=rahsia", "/search",
                "/c/makanan-olahan", "/c/keripik-camilan", f"/s/{public.slug}", "/sitemap.xml"):
        page = client.get(url).get_data(as_text=True)
        assert "Rahasia" not in page, url
    assert "Tampil Publik" in client.get("/search?q=tampil").get_data(as_text=True)
    for product in db.session.query(Product).filter(Product.title.like("Rahasia%")):
        assert client.get(f"/p/{product.id}-{product.slug}").status_code == 404
    assert client.get(f"/s/{pending.slug}").status_code == 404
    assert client.get(f"/s/{suspended.slug}").status_code == 404


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


def test_unknown_addresses_are_404(client, db):
    for url in ("/c/tidak-ada", "/s/tidak-ada", "/p/999999-apa", "/p/abc", "/p/-1-x"):
        assert client.get(url).status_code == 404, url


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


def test_product_page_form_adds_the_chosen_variant_to_the_cart(client, make_product):
    product = make_product(title="Kain Tenun Ikat", option1_name="Warna", variants=[
        {"sku": "TI-M", "option1": "Merah", "price": 350000, "stock": 2},
        {"sku": "TI-B", "option1": "Biru", "price": 375000, "stock": 0}])
    page = client.get(f"/p/{product.id}-{product.slug}").get_data(as_text=True)
    assert 'action="/cart/add"' in page and '<label for="variant_id">Warna</label>' in page
    assert "Biru – " not in page  # a sold-out variant cannot be chosen
    red = next(v for v in product.variants if v.option1 == "Merah")
    response = client.post("/cart/add", data={"variant_id": red.id, "quantity": 1})
    assert response.status_code == 302
    assert "Kain Tenun Ikat" in client.get("/cart").get_data(as_text=True)
