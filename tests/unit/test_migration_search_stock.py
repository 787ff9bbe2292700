"""Migration 0019: the in-stock token leaves the search index; a search for products in stock
still lists exactly those, from the product's row."""

from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db
from marketplace.search import SearchQuery, search
from tests.conftest import settings_for_tests
from tests.fixtures.catalog import new_product, seeded_categories


def _with_stock_token(kind: str) -> int:
    # Indexed as before 0019 (the earlier migrations install today's definition).
    return db.session.execute(text(
        "UPDATE product_search SET facets = facets || '0fstok'::tsvector" if kind == "postgresql"
        else "UPDATE product_search SET facets = facets || ' 0fstok'")).rowcount


def _stock_tokens(kind: str) -> int:
    return db.session.scalar(text(
        "SELECT count(*) FROM product_search WHERE facets @@ '0fstok'" if kind == "postgresql"
        else "SELECT count(*) FROM product_search WHERE product_search MATCH 'facets : 0fstok'"))


def test_the_stock_token_leaves_the_index_and_stock_is_still_filtered(new_database_url,
                                                                      media_dir):
    url = new_database_url("pasar_migration_0019")
    app = create_app(settings_for_tests(url, media_dir))
    with app.app_context():
        kind = db.engine.dialect.name
        upgrade(revision="0018")
        seeded_categories()
        new_product(title="Kopi Robusta Lampung", stock=4)
        new_product(title="Kopi Robusta Dampit", stock=0)
        assert _with_stock_token(kind) == 2
        db.session.commit()
        assert _stock_tokens(kind) == 2
        db.session.remove()

        upgrade()

        assert _stock_tokens(kind) == 0
        assert [p.title for p in search(SearchQuery(text="kopi", in_stock=True)).items] == [
            "Kopi Robusta Lampung"]
        assert search(SearchQuery(text="kopi")).total == 2
        db.session.remove()
        db.engine.dispose()
