# ruff: noqa: S608  (fixed DDL text; no user input is ever formatted into it)
"""Search index DDL for SQLite (FTS5) and PostgreSQL (tsvector), kept by triggers.

The indexed document of a product joins three tables (title and description from the product,
the category and its parent's names, the store name), so it is kept in a table of its own and
refreshed by database triggers on all three: whoever changes a product, store or category, the
index changes in the same transaction without any service having to call us.

SQLite uses a regular (content-storing) FTS5 table rather than an external-content one: an
external-content index must be given the exact old values when a row is removed, which a
trigger on `stores` or `categories` cannot reconstruct for every product of a joined document.
"""

from sqlalchemy import event, text
from sqlalchemy.engine import Connection

from marketplace.search import facets

#: Table name (and prefix of its FTS5 shadow tables) the models do not describe.
INDEX_TABLE = "product_search"
UNMANAGED = (INDEX_TABLE,)

# The category text of a product: its category's and its parent's names in both languages.
_SQLITE_CATEGORY = (
    "(SELECT c.name_id || ' ' || c.name_en || coalesce(' ' || pc.name_id || ' ' || pc.name_en, '')"
    " FROM categories c LEFT JOIN categories pc ON pc.id = c.parent_id WHERE c.id = {cat})"
)

# The filter tokens of a product (see facets.py), space-separated.
_FACETS = facets.sql_tokens("p.price_min", "s.province_code")
_SQLITE_FACETS = " || ' ' || ".join(_FACETS)

_SQLITE_INSERT_PRODUCTS = (
    "INSERT INTO product_search(rowid, title, category, store, description, facets) "
    "SELECT p.id, p.title, " + _SQLITE_CATEGORY.format(cat="p.category_id") + ", s.name, "
    "p.description, " + _SQLITE_FACETS + " FROM products p JOIN stores s ON s.id = p.store_id "
    "WHERE {where};"
)
#: When a product's filter tokens change: its price (a sale changes none of them).
_FACETS_CHANGED = "old.price_min != new.price_min"

SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search USING fts5("
    "title, category, store, description, facets, "
    "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4')",
    # The indexed terms, for the misspelling fallback (similar terms of the same first letter).
    "CREATE VIRTUAL TABLE IF NOT EXISTS product_search_vocab USING fts5vocab(product_search, row)",
    "CREATE TRIGGER IF NOT EXISTS product_search_ai AFTER INSERT ON products BEGIN "
    + _SQLITE_INSERT_PRODUCTS.format(where="p.id = new.id") + " END",
    "CREATE TRIGGER IF NOT EXISTS product_search_au "
    "AFTER UPDATE OF title, description, category_id, store_id ON products BEGIN "
    "DELETE FROM product_search WHERE rowid = old.id; "
    + _SQLITE_INSERT_PRODUCTS.format(where="p.id = new.id") + " END",
    "CREATE TRIGGER IF NOT EXISTS product_search_facets_au "
    "AFTER UPDATE OF price_min ON products WHEN " + _FACETS_CHANGED + " BEGIN "
    "DELETE FROM product_search WHERE rowid = old.id; "
    + _SQLITE_INSERT_PRODUCTS.format(where="p.id = new.id") + " END",
    "CREATE TRIGGER IF NOT EXISTS product_search_ad AFTER DELETE ON products BEGIN "
    "DELETE FROM product_search WHERE rowid = old.id; END",
    "CREATE TRIGGER IF NOT EXISTS product_search_store_au "
    "AFTER UPDATE OF name, province_code ON stores BEGIN "
    "DELETE FROM product_search WHERE rowid IN (SELECT id FROM products WHERE store_id = new.id); "
    + _SQLITE_INSERT_PRODUCTS.format(where="p.store_id = new.id") + " END",
    "CREATE TRIGGER IF NOT EXISTS product_search_category_au "
    "AFTER UPDATE OF name_id, name_en, parent_id ON categories BEGIN "
    "DELETE FROM product_search WHERE rowid IN (SELECT p.id FROM products p JOIN categories c "
    "ON c.id = p.category_id WHERE c.id = new.id OR c.parent_id = new.id); "
    + _SQLITE_INSERT_PRODUCTS.format(
        where="p.category_id IN (SELECT id FROM categories WHERE id = new.id OR parent_id = new.id)"
    ) + " END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS product_search_ai",
    "DROP TRIGGER IF EXISTS product_search_au",
    "DROP TRIGGER IF EXISTS product_search_facets_au",
    "DROP TRIGGER IF EXISTS product_search_ad",
    "DROP TRIGGER IF EXISTS product_search_store_au",
    "DROP TRIGGER IF EXISTS product_search_category_au",
    "DROP TABLE IF EXISTS product_search_vocab",
    "DROP TABLE IF EXISTS product_search",
]

# One GIN index over words and filter tokens: a filtered search intersects both in it.
_POSTGRES_INDEX = ("CREATE INDEX IF NOT EXISTS product_search_document_idx "
                   "ON product_search USING gin (document, facets)")

# The planner's word frequencies: with the default 100 most common words it guesses a word
# outside them in 0.35% of products, and for a rarer word ("andaliman", 0.02% of 1M) walks
# every product newest first looking for 241 matches (1.4 s) instead of asking the index
# (15 ms). A thousand keeps the guesses close down to ~0.02% at 1.5 ms of planning.
POSTGRES_STATISTICS = "ALTER TABLE product_search ALTER COLUMN document SET STATISTICS 1000"

POSTGRES_DDL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """CREATE TABLE IF NOT EXISTS product_search (
        product_id integer PRIMARY KEY REFERENCES products(id) ON DELETE CASCADE,
        document tsvector NOT NULL,
        facets tsvector NOT NULL
    )""",
    POSTGRES_STATISTICS,
    _POSTGRES_INDEX,
    # Every word ever indexed: the vocabulary typos, roots and completions are looked up in
    # (SQLite reads its fts5vocab; PostgreSQL's ts_stat would read the whole index). Words
    # of deleted products stay until the next rebuild: they match nothing.
    """CREATE TABLE IF NOT EXISTS product_search_terms (
        term text PRIMARY KEY
    )""",
    # Words as FTS5's unicode61 tokenizer (remove_diacritics 2) sees them: lower case, no
    # diacritics, any run of other characters a separator; so both backends index the same
    # words, and `simple` keeps them as written (the stemming is done in Python, the same way
    # for both: see words.py).
    """CREATE OR REPLACE FUNCTION product_search_words(value text) RETURNS text
    LANGUAGE sql STABLE AS $$
      SELECT regexp_replace(lower(unaccent(coalesce(value, ''))), '[^[:alnum:]]+', ' ', 'g')
    $$""",
    # One function builds the documents of a set of products (weights: title A, category B,
    # store C, description D), so each trigger says only which products changed. The
    # filter tokens gain the id range ones here only: FTS5 walks its matches newest first
    # by itself (see facets.ids_from).
    """CREATE OR REPLACE FUNCTION product_search_refresh(ids integer[]) RETURNS void
    LANGUAGE sql AS $$
      INSERT INTO product_search (product_id, document, facets)
      SELECT p.id,
        setweight(to_tsvector('simple', product_search_words(p.title)), 'A') ||
        setweight(to_tsvector('simple', product_search_words(c.name_id || ' ' || c.name_en ||
                  ' ' || coalesce(pc.name_id || ' ' || pc.name_en, ''))), 'B') ||
        setweight(to_tsvector('simple', product_search_words(s.name)), 'C') ||
        setweight(to_tsvector('simple', product_search_words(p.description)), 'D'),
        array_to_tsvector(ARRAY[""" + ", ".join(
            [*_FACETS, *facets.sql_id_tokens("p.id")]) + """])
      FROM products p
      JOIN stores s ON s.id = p.store_id
      JOIN categories c ON c.id = p.category_id
      LEFT JOIN categories pc ON pc.id = c.parent_id
      WHERE p.id = ANY(ids)
      ON CONFLICT (product_id) DO UPDATE
        SET document = excluded.document, facets = excluded.facets;
      INSERT INTO product_search_terms (term)
      SELECT DISTINCT unnest(tsvector_to_array(document))
      FROM product_search WHERE product_id = ANY(ids)
      ON CONFLICT (term) DO NOTHING;
    $$""",
    """CREATE OR REPLACE FUNCTION product_search_on_product() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM product_search_refresh(ARRAY[NEW.id]);
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION product_search_on_store() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM product_search_refresh(ARRAY(SELECT id FROM products WHERE store_id = NEW.id));
      RETURN NULL;
    END $$""",
    """CREATE OR REPLACE FUNCTION product_search_on_category() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM product_search_refresh(ARRAY(
        SELECT p.id FROM products p JOIN categories c ON c.id = p.category_id
        WHERE c.id = NEW.id OR c.parent_id = NEW.id));
      RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS product_search_ai ON products",
    "CREATE TRIGGER product_search_ai AFTER INSERT ON products "
    "FOR EACH ROW EXECUTE FUNCTION product_search_on_product()",
    "DROP TRIGGER IF EXISTS product_search_au ON products",
    "CREATE TRIGGER product_search_au AFTER UPDATE OF title, description, category_id, store_id "
    "ON products FOR EACH ROW EXECUTE FUNCTION product_search_on_product()",
    "DROP TRIGGER IF EXISTS product_search_facets_au ON products",
    "CREATE TRIGGER product_search_facets_au AFTER UPDATE OF price_min "
    "ON products FOR EACH ROW WHEN (" + _FACETS_CHANGED.replace("old.", "OLD.").replace(
        "new.", "NEW.") + ") EXECUTE FUNCTION product_search_on_product()",
    "DROP TRIGGER IF EXISTS product_search_store_au ON stores",
    "CREATE TRIGGER product_search_store_au AFTER UPDATE OF name, province_code ON stores "
    "FOR EACH ROW EXECUTE FUNCTION product_search_on_store()",
    "DROP TRIGGER IF EXISTS product_search_category_au ON categories",
    "CREATE TRIGGER product_search_category_au AFTER UPDATE OF name_id, name_en, parent_id "
    "ON categories FOR EACH ROW EXECUTE FUNCTION product_search_on_category()",
    # TRUNCATE empties product_search through its foreign key; the vocabulary goes with it.
    """CREATE OR REPLACE FUNCTION product_search_on_truncate() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      TRUNCATE product_search_terms;
      RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS product_search_truncate ON products",
    "CREATE TRIGGER product_search_truncate AFTER TRUNCATE ON products "
    "FOR EACH STATEMENT EXECUTE FUNCTION product_search_on_truncate()",
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS product_search_ai ON products",
    "DROP TRIGGER IF EXISTS product_search_au ON products",
    "DROP TRIGGER IF EXISTS product_search_facets_au ON products",
    "DROP TRIGGER IF EXISTS product_search_store_au ON stores",
    "DROP TRIGGER IF EXISTS product_search_category_au ON categories",
    "DROP FUNCTION IF EXISTS product_search_on_product()",
    "DROP FUNCTION IF EXISTS product_search_on_store()",
    "DROP TRIGGER IF EXISTS product_search_truncate ON products",
    "DROP FUNCTION IF EXISTS product_search_on_category()",
    "DROP FUNCTION IF EXISTS product_search_on_truncate()",
    "DROP FUNCTION IF EXISTS product_search_refresh(integer[])",
    "DROP FUNCTION IF EXISTS product_search_words(text)",
    "DROP TABLE IF EXISTS product_search_terms",
    "DROP TABLE IF EXISTS product_search",
]


def _statements(connection: Connection, *, drop: bool) -> list[str]:
    name = connection.dialect.name
    if name == "sqlite":
        return SQLITE_DROP if drop else SQLITE_DDL
    if name == "postgresql":
        return POSTGRES_DROP if drop else POSTGRES_DDL
    raise RuntimeError(f"search is not available on {name}")


def _table_exists(connection: Connection, name: str) -> bool:
    from sqlalchemy import inspect

    return inspect(connection).has_table(name)


def install(connection: Connection) -> None:
    """Create the search index and its triggers, then index existing products."""
    for statement in _statements(connection, drop=False):
        connection.execute(text(statement))
    rebuild(connection)


def uninstall(connection: Connection) -> None:
    """Drop the search index and its triggers."""
    for statement in _statements(connection, drop=True):
        connection.execute(text(statement))


def rebuild(connection: Connection) -> int:
    """Re-index every product from scratch; returns how many are indexed."""
    if not _table_exists(connection, "products"):
        return 0
    if connection.dialect.name == "sqlite":
        connection.execute(text("DELETE FROM product_search"))
        connection.execute(text(_SQLITE_INSERT_PRODUCTS.format(where="1 = 1").rstrip(";")))
        connection.execute(text("INSERT INTO product_search(product_search) VALUES ('optimize')"))
    else:
        connection.execute(text("DELETE FROM product_search"))
        connection.execute(text("DELETE FROM product_search_terms"))
        # Built once over the full table: adding a million documents to the index one by
        # one costs several times more.
        connection.execute(text("DROP INDEX IF EXISTS product_search_document_idx"))
        connection.execute(text("SELECT product_search_refresh(ARRAY(SELECT id FROM products))"))
        connection.execute(text(_POSTGRES_INDEX))
    return connection.execute(text("SELECT count(*) FROM product_search")).scalar_one()


def register(metadata) -> None:
    """Install with `create_all`, uninstall before `drop_all`; name the unmanaged tables."""
    names = metadata.info.setdefault("unmanaged_tables", [])
    for name in UNMANAGED:
        if name not in names:
            names.append(name)
    if not event.contains(metadata, "after_create", _after_create):
        event.listen(metadata, "after_create", _after_create)
        event.listen(metadata, "before_drop", _before_drop)


def _after_create(metadata, connection, **kw) -> None:
    install(connection)
    _forget()


def _before_drop(metadata, connection, **kw) -> None:
    uninstall(connection)
    _forget()


def _forget() -> None:
    # A database created or dropped under the same URL must not answer from the last one's
    # vocabulary or category tree.
    from marketplace.search.service import forget_cached_catalog

    forget_cached_catalog()
