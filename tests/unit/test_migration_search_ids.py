"""Migration 0018: the products indexed before it gain their id range tokens in place, so a
search of several words finds them when it asks for the newest ids first."""

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from marketplace import create_app
from marketplace.extensions import db
from marketplace.search import SearchQuery, search
from marketplace.search.facets import ID_LEVELS
from tests.conftest import settings_for_tests
from tests.fixtures.catalog import new_product, seeded_categories


@pytest.mark.postgres
def test_products_indexed_before_gain_their_id_tokens(new_database_url, media_dir):
    url = new_database_url("pasar_migration_0018")
    app = create_app(settings_for_tests(url, media_dir))
    with app.app_context():
        upgrade(revision="0017")
        seeded_categories()
        old = new_product(title="Kopi Robusta Lampung").id
        # Far from the first ids, so the search asks for ranges of them (see facets.ids_from).
        db.session.execute(text(
            "SELECT setval(pg_get_serial_sequence('products', 'id'), 300000)"))
        newer = new_product(title="Kopi Robusta Temanggung").id
        # Indexed as before 0018 (the earlier migrations install today's definition).
        db.session.execute(text(
            "UPDATE product_search SET facets = ts_delete(facets, ARRAY(SELECT lexeme "
            "FROM unnest(facets) WHERE lexeme LIKE '0fi%'))"))
        db.session.commit()
        # Only the oldest is found: the newest ids are asked for by their tokens.
        assert search(SearchQuery(text="kopi robusta")).total == 1
        db.session.remove()

        upgrade()

        facets = dict(db.session.execute(text(
            "SELECT product_id, facets::text FROM product_search")).all())
        for product_id in (old, newer):
            for level in ID_LEVELS:
                assert f"'0fi{level}x{product_id >> level}'" in facets[product_id]
        found = search(SearchQuery(text="kopi robusta"))
        assert sorted(p.title for p in found.items) == ["Kopi Robusta Lampung",
                                                        "Kopi Robusta Temanggung"]
        added = new_product(title="Kopi Robusta Dampit")  # by the new function
        assert f"'0fi12x{added.id >> 12}'" in db.session.scalar(text(
            "SELECT facets::text FROM product_search WHERE product_id = :id"), {"id": added.id})
        db.session.remove()
        db.engine.dispose()
