"""The anonymous page cache: fresh after every catalogue change, never personal, switchable."""

import re

import pytest
from sqlalchemy import event

from marketplace.extensions import cache
from marketplace.extensions import db as _db
from marketplace.models import OrderStatus
from marketplace.services.catalog.discovery import catalog_version
from marketplace.services.catalog.listing import archive_product, set_price_and_stock
from marketplace.services.reviews.ratings import create_review


@pytest.fixture
def page_cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 60)
    with app.app_context():
        cache.clear()
    yield
    with app.app_context():
        cache.clear()


def statements_of(fn) -> tuple[object, list[str]]:
    """(fn's result, the SQL statements it ran), with a fresh session as a real request has."""
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    _db.session.remove()
    event.listen(_db.engine, "before_cursor_execute", note)
    try:
        return fn(), statements
    finally:
        event.remove(_db.engine, "before_cursor_execute", note)


def own_context(app, fn):
    """Run one request in its own app context, as a server does (the `db` fixture's context
    would otherwise be shared by every request of the test, and `g` with it)."""
    with app.app_context():
        return fn()


def pages_of(product) -> list[str]:
    return [f"/p/{product.id}-{product.slug}", "/", "/c/keripik-camilan",
            f"/s/{product.store.slug}", "/search?q=cache"]


def test_repeated_anonymous_pages_come_from_the_cache(app, make_product, page_cache_on):
    product = make_product(title="Keripik Cache")
    visitor = app.test_client()
    for url in pages_of(product):
        first = visitor.get(url)
        again, statements = statements_of(lambda url=url: visitor.get(url))
        assert again.status_code == 200, url
        assert statements == [], url
        # Only the CSRF token of the product page's form differs between the two answers.
        strip = re.compile(r'name="csrf_token" value="[^"]*"')
        assert strip.sub("", again.get_data(as_text=True)) == strip.sub(
            "", first.get_data(as_text=True)), url


def test_price_stock_and_archive_show_on_the_next_anonymous_request(
        app, db, make_product, page_cache_on):
    product = make_product(title="Keripik Cache", price=25000, stock=10)
    visitor = app.test_client()
    for url in pages_of(product):
        assert "Rp25.000" in visitor.get(url).get_data(as_text=True), url
    set_price_and_stock(product.store.owner, product.variants[0], 31000, 0)
    db.session.commit()
    for url in pages_of(product):
        page = visitor.get(url).get_data(as_text=True)
        assert "Rp31.000" in page and "Rp25.000" not in page, url
        assert "Stok habis" in page, url
    archive_product(product.store.owner, product)
    db.session.commit()
    assert visitor.get(pages_of(product)[0]).status_code == 404
    for url in pages_of(product)[1:]:
        assert "Keripik Cache" not in visitor.get(url).get_data(as_text=True), url


def test_stock_taken_by_an_order_shows_on_the_next_anonymous_request(
        app, make_product, make_order, page_cache_on):
    product = make_product(title="Keripik Cache", stock=3)
    visitor = app.test_client()
    url = pages_of(product)[0]
    assert "Sisa 3" in visitor.get(url).get_data(as_text=True)
    make_order(items=[(product, 3)])  # the conditional UPDATE on the variant, not a flush
    assert "Stok habis" in visitor.get(url).get_data(as_text=True)


def test_a_new_review_shows_on_the_next_anonymous_request(app, db, order_in, page_cache_on):
    order = order_in(OrderStatus.COMPLETED)
    line = order.lines[0]
    product = line.product
    visitor = app.test_client()
    url = pages_of(product)[0]
    assert "Belum ada ulasan." in visitor.get(url).get_data(as_text=True)
    before = catalog_version()
    create_review(order.buyer, line, 4, "Renyah sekali")
    db.session.commit()
    assert catalog_version() != before
    assert "Nilai 4,0 dari 5 oleh 1 pembeli" in visitor.get(url).get_data(as_text=True)


def test_a_rolled_back_change_keeps_the_cached_pages(app, db, make_product, page_cache_on):
    product = make_product(title="Keripik Cache", price=25000)
    before = catalog_version()
    set_price_and_stock(product.store.owner, product.variants[0], 31000, 5)
    db.session.rollback()
    assert catalog_version() == before


def test_signed_in_pages_are_private_and_never_shared(app, client, make_product, buyer, login,
                                                      page_cache_on):
    product = make_product(title="Keripik Cache")
    own_context(app, lambda: login(buyer))
    for url in pages_of(product):
        signed_in = own_context(app, lambda url=url: client.get(url))
        assert "/logout" in signed_in.get_data(as_text=True), url
        assert signed_in.cache_control.private and signed_in.cache_control.no_cache, url
        anonymous = own_context(app, lambda url=url: app.test_client().get(url))
        assert "/logout" not in anonymous.get_data(as_text=True), url
        if "csrf_token" not in anonymous.get_data(as_text=True):
            assert anonymous.cache_control.public, url
        # The anonymous copy now in the cache is not what the signed-in buyer gets.
        again = own_context(app, lambda url=url: client.get(url))
        assert "/logout" in again.get_data(as_text=True), url


def test_each_visitor_gets_a_working_csrf_token_from_a_cached_page(
        app, make_product, page_cache_on, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    product = make_product(title="Keripik Cache")
    url, variant_id = pages_of(product)[0], product.variants[0].id
    token = re.compile(r'name="csrf_token" value="([^"]+)"')
    first, second = app.test_client(), app.test_client()
    first_page = own_context(app, lambda: first.get(url))
    first_token = token.search(first_page.get_data(as_text=True)).group(1)
    page, statements = statements_of(lambda: own_context(app, lambda: second.get(url)))
    assert statements == []  # served from the cache
    second_token = token.search(page.get_data(as_text=True)).group(1)
    assert second_token != first_token
    response = own_context(app, lambda: second.post("/cart/add", data={
        "csrf_token": second_token, "quantity": 1, "variant_id": variant_id}))
    assert response.status_code == 302
    cart = own_context(app, lambda: second.get("/cart"))
    assert "Keripik Cache" in cart.get_data(as_text=True)


def test_one_setting_switches_the_cache_off(app, make_product, page_cache_on, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)
    product = make_product(title="Keripik Cache")
    visitor = app.test_client()
    for url in pages_of(product):
        visitor.get(url)
        again, statements = statements_of(lambda url=url: visitor.get(url))
        assert again.status_code == 200 and statements, url


def test_search_box_suggestions_are_shared_until_the_catalogue_changes(app, make_product,
                                                                       page_cache_on):
    make_product(title="Keripik Cache")
    visitor, other = app.test_client(), app.test_client()
    url = "/search/suggest?q=kerip"
    first = visitor.get(url).json
    assert first["completions"][0] == "keripik"
    again, statements = statements_of(lambda: other.get(url))
    assert again.json == first and statements == []
    make_product(title="Kain Keriput")
    assert "keriput" in visitor.get(url).json["completions"]
    # Kept per language: the English answer is not the Indonesian one.
    assert {"name": "Anyaman", "url": "/c/anyaman"} in other.get(
        "/search/suggest?q=woven").json["categories"]
    assert {"name": "Woven Crafts", "url": "/c/anyaman"} in visitor.get(
        "/search/suggest?q=woven&lang=en").json["categories"]
