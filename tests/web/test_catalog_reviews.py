"""Buyers read reviews on the product and store pages (issue 11, item 3): paged, with photos
and the seller's reply, newest or most helpful first, a report link, the average in Babel's
decimal format, and still within the page's query budget."""

import re

import pytest
from sqlalchemy import event

from marketplace.extensions import db as _db
from marketplace.models import OrderStatus
from marketplace.services.reviews import ratings
from marketplace.services.reviews.moderation import hide_review
from tests.conftest import built_once
from tests.fixtures.catalog import photo_bytes
from tests.support.html import Page


@pytest.fixture
def reviewed(request, db, db_kind, order_in, make_product, shipping_store):
    """A product with seven reviews (the fifth with a photo, the first answered) and a second
    product of the same store with one review (built once for the module)."""

    def build() -> dict:
        store = shipping_store()
        product = make_product(store=store, title="Keripik Tempe", price=20000, stock=80)
        other = make_product(store=store, title="Sambal Roa", price=30000, stock=80)
        written = []
        for number in range(7):
            order = order_in(OrderStatus.DELIVERED, items=[(product, 1)])
            photo = photo_bytes(320, 240) if number == 4 else None
            rating = 5 if number % 2 else 4
            written.append(ratings.create_review(order.buyer, order.lines[0], rating,
                                                 f"Ulasan nomor {number}" + " enak" * number,
                                                 photo=photo))
            db.session.commit()
        ratings.reply_to_review(store.owner, written[0], "Terima kasih sudah membeli")
        order = order_in(OrderStatus.DELIVERED, items=[(other, 1)])
        ratings.create_review(order.buyer, order.lines[0], 3, "Kurang pedas")
        db.session.commit()
        return {"product": product, "store": store, "reviews": written}

    return built_once(request, db_kind, build)


def _texts(html: str) -> list[str]:
    """The reviews on the page, in order, by their opening words."""
    return re.findall(r"Ulasan nomor \d", html)


def test_the_product_page_shows_reviews_newest_first_and_pages(client, reviewed):
    product = reviewed["product"]
    url = f"/p/{product.id}-{product.slug}"
    html = client.get(url).get_data(as_text=True)
    assert "Nilai 4,4 dari 5 oleh 7 pembeli" in html  # 31 / 7, Babel's decimal comma
    shown = _texts(html)
    assert shown == [f"Ulasan nomor {n}" for n in (6, 5, 4, 3, 2)]
    page = Page(html)
    older = next(a for a in page.controls if a.name == "Ulasan lebih lama")
    second = client.get(older.attrs["href"]).get_data(as_text=True)
    assert _texts(second) == ["Ulasan nomor 1", "Ulasan nomor 0"]
    assert "Balasan penjual" in second and "Terima kasih sudah membeli" in second


def test_most_helpful_puts_the_photo_then_the_longest_text_first(client, reviewed):
    product = reviewed["product"]
    html = client.get(f"/p/{product.id}-{product.slug}?reviews=helpful").get_data(as_text=True)
    shown = _texts(html)
    assert shown == [f"Ulasan nomor {n}" for n in (4, 6, 5, 3, 2)]
    assert 'alt="Foto dari' in html


def test_each_review_links_to_its_report_page(client, reviewed):
    product = reviewed["product"]
    page = Page(client.get(f"/p/{product.id}-{product.slug}").get_data(as_text=True))
    reports = [a.attrs["href"] for a in page.controls
               if a.name.startswith("Laporkan ulasan dari")]
    assert len(reports) == 5
    assert client.get(reports[0]).status_code in (200, 302)  # the form, or log in first


def test_hidden_reviews_are_not_shown(db, client, reviewed, staff):
    hide_review(staff, reviewed["reviews"][6], "Spam")
    db.session.commit()
    product = reviewed["product"]
    html = client.get(f"/p/{product.id}-{product.slug}").get_data(as_text=True)
    assert "Ulasan nomor 6" not in html and "oleh 6 pembeli" in html


def test_the_store_page_shows_the_reviews_of_all_its_products(client, reviewed):
    html = client.get(f"/s/{reviewed['store'].slug}").get_data(as_text=True)
    assert "Kurang pedas" in html and "Sambal Roa" in html and "Ulasan nomor 6" in html


def test_english_readers_get_a_decimal_point(client, reviewed):
    product = reviewed["product"]
    html = client.get(f"/p/{product.id}-{product.slug}?lang=en").get_data(as_text=True)
    assert "Rated 4.4 of 5 by 7 buyers" in html


def test_reviews_cost_one_query(client, reviewed):
    product, store = reviewed["product"], reviewed["store"]
    urls = (f"/p/{product.id}-{product.slug}?reviews=helpful&rpage=2", f"/s/{store.slug}")
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK",
                                                       "SAVEPOINT", "RELEASE"):
            statements.append(statement)

    _db.session.remove()
    event.listen(_db.engine, "before_cursor_execute", count)
    try:
        for url in urls:
            statements.clear()
            assert client.get(url).status_code == 200
            assert len(statements) <= 5, (url, statements)
            assert sum("FROM reviews" in s for s in statements) == 1, url
    finally:
        event.remove(_db.engine, "before_cursor_execute", count)
