"""The two search backends: SQLite FTS5 and PostgreSQL full-text (`simple`, GIN).

Both index words as written and are handed the same lists of words to look for (see
`words.py`), so they find the same products. Each turns groups of words (any word of a group
matches; every group must, or any) into its own query text, which is always a bound
parameter; the words are letters and digits only, so no user text reaches either syntax.
Filters arrive the same way, as groups of tokens every one of which must match (see
`facets.py`); they are looked up apart from the words, which never match them.
"""

from collections.abc import Callable, Iterable

from sqlalchemy import (
    Row,
    Select,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from marketplace.models import Product, ProductStatus
from marketplace.search.facets import PREFIX, ids_from
from marketplace.search.words import Term

Groups = list[list[Term]]
Facets = list[list[str]]


class SQLiteBackend:
    """FTS5 (unicode61 without diacritics, prefix indexes of 2-4 letters)."""

    index = table("product_search", column("rowid"))
    fts = literal_column("product_search")
    #: The matches' id as the index gives it: FTS5 walks its matches in rowid order itself,
    #: so a window of the newest (or the ones after a page's last) needs no sort.
    key = index.c.rowid

    def match(self, stmt: Select, groups: Groups, *, every: bool = True,
              facets: Facets = ()) -> Select:
        words = (" AND " if every else " OR ").join(
            "(" + " OR ".join(f'"{t.word}"' + ("*" if t.prefix else "") for t in group) + ")"
            for group in groups)
        expression = " AND ".join([
            f"{{title category store description}} : ({words})",
            *("{facets} : (" + " OR ".join(f'"{token}"' for token in group) + ")"
              for group in facets)])
        return stmt.join(self.index, self.index.c.rowid == Product.id).where(
            self.fts.op("MATCH")(bindparam("fts_query", expression)))

    def newest(self, connection, window: Select, limit: int, *, together: bool) -> list[Row]:
        """The first `limit` rows of `window`, which lists matches newest first (FTS5 walks
        them in that order: `together`, whether several words must all match with no filter
        token to narrow them, changes nothing here)."""
        return connection.execute(window.limit(limit)).all()

    def in_price_order(self, connection, ids: Select, limit: int, rising: bool, low: int,
                       high: int, *, priced: Callable[[int, int], Select]) -> list[int]:
        """The first `limit` of `ids`, matches in price order (`rising` or not) from `low` to
        `high` (`priced(low, high)` lists those of a narrower range: not needed here)."""
        return connection.execute(ids.limit(limit)).scalars().all()

    def vocabulary(self, connection) -> Iterable[tuple[str, int]]:
        # Filter tokens are not words a buyer's typo could mean.
        return connection.execute(text(
            "SELECT term, doc FROM product_search_vocab WHERE term < :start OR term >= :end"),
            {"start": PREFIX, "end": PREFIX[:-1] + chr(ord(PREFIX[-1]) + 1)})


class PostgresBackend:
    """A `simple` tsvector per product (title weighted A) in a GIN index."""

    index = table("product_search", column("product_id"), column("document"), column("facets"))
    key = Product.__table__.c.id

    def match(self, stmt: Select, groups: Groups, *, every: bool = True,
              facets: Facets = ()) -> Select:
        # A cast, not to_tsquery(): the words are already normalised as the index stores them.
        value = (" & " if every else " | ").join(
            "(" + " | ".join(f"'{t.word}'" + (":*" if t.prefix else "") for t in group) + ")"
            for group in groups)
        stmt = stmt.join(self.index, self.index.c.product_id == Product.id).where(
            self.index.c.document.op("@@")(cast(bindparam("ts_query", value), TSQUERY)))
        if facets:
            tokens = " & ".join(
                "(" + " | ".join(f"'{token}'" for token in group) + ")" for group in facets)
            stmt = stmt.where(
                self.index.c.facets.op("@@")(cast(bindparam("facet_query", tokens), TSQUERY)))
        return stmt

    #: The ids asked for first: the newest 4,096 hold the window of two common words.
    NEWEST_IDS = 4_096

    def newest(self, connection, window: Select, limit: int, *, together: bool) -> list[Row]:
        """The first `limit` rows of `window`, which lists matches newest first.

        When several words must all match with no filter token to narrow them (`together`),
        asked for by ranges of ids (`_by_ranges`), newest first, each named to the index by
        its id tokens (see facets.ids_from): the newest 4,096 ids, then as many more as the
        matches found so far say the window needs; none found, the rest at once. One word
        alone is planned well from its own frequency, and a province or price token narrows
        the index's matches itself: as one query, each is 6-10 ms faster at 1M products."""
        if not together:
            return connection.execute(window.limit(limit)).all()
        product_id = self.index.c.product_id

        def narrowed(start: int, end: int) -> Select | None:
            tokens = ids_from(start, end)
            return None if tokens is None else window.where(
                product_id >= start, product_id <= end, self.index.c.facets.op("@@")(
                    cast(bindparam("id_query", " | ".join(f"'{t}'" for t in tokens)), TSQUERY)))

        newest_id = connection.scalar(select(func.max(Product.id))) or 0
        return _by_ranges(connection, limit, 0, newest_id, rising=False,
                          first=self.NEWEST_IDS, growth=None, narrowed=narrowed,
                          rest=lambda _start, end: window.where(product_id <= end))

    #: The prices asked for first in a price order: a thousand rupiah, one index token.
    FIRST_PRICES = 1_000

    def in_price_order(self, connection, ids: Select, limit: int, rising: bool, low: int,
                       high: int, *, priced: Callable[[int, int], Select]) -> list[int]:
        """The first `limit` of `ids`, matches in price order (`rising` or not) from `low` to
        `high`: asked for by ranges of price (`_by_ranges`) from the first product's, as
        `priced(low, high)` lists them, each narrowed in the index by its price tokens
        alone; the first a thousand rupiah wide, the next as wide as the matches so far say
        the page needs, or sixteen times wider when there were none.

        As one query, the index intersected the words with the price range's tokens, which
        hold most products (52 ms for "batik" in Jawa Tengah, Rp50.000-300.000, at 1M
        products, of a 95 ms search), or the planner walked every product in price order.
        """
        first, last = connection.execute(select(
            func.min(Product.price_min), func.max(Product.price_min)).where(
            Product.status == ProductStatus.ACTIVE, Product.hidden.is_(False))).one()
        if first is None:
            return []
        rows = _by_ranges(
            connection, limit, max(low, first), min(high, last), rising=rising,
            first=self.FIRST_PRICES, growth=16, narrowed=priced,
            rest=lambda start, end: ids.where(
                Product.price_min >= start if rising else Product.price_min <= end))
        return [row[0] for row in rows]

    #: Documents read to estimate how common each word is (a sample of a large index).
    SAMPLE_DOCUMENTS = 20_000

    def vocabulary(self, connection) -> Iterable[tuple[str, int]]:
        """Every indexed word, with its number of products in a sample of the index: exact
        counts would mean a counter row that every product change of a common word locks.
        Read whole (a small index), it also leaves out the words of deleted products."""
        return connection.execute(text("""
            WITH sample AS (
              SELECT CASE WHEN reltuples > :documents THEN 100.0 * :documents / reltuples
                          ELSE 100 END AS percent
              FROM pg_class WHERE oid = 'product_search'::regclass)
            SELECT t.term, coalesce(s.ndoc, 0)
            FROM product_search_terms t LEFT JOIN ts_stat(format(
              'SELECT document FROM product_search TABLESAMPLE SYSTEM (%s)',
              (SELECT percent FROM sample))) s ON s.word = t.term
            WHERE s.ndoc IS NOT NULL OR (SELECT percent FROM sample) < 100"""
            # Read in batches: 100,000 rows at once left a worker 5 MB larger for good.
            ).execution_options(yield_per=5_000), {"documents": self.SAMPLE_DOCUMENTS})


#: Ranges of a listing narrowed by their tokens, at most: then the rest at once, so a page
#: keeps to its five queries however far from the first end its rows lie.
NARROWED_RANGES = 2


def _by_ranges(connection, limit: int, low: int, high: int, *, rising: bool, first: int,
               growth: int | None, narrowed: Callable[[int, int], Select | None],
               rest: Callable[[int, int], Select]) -> list[Row]:
    """The first `limit` rows of a listing in the order of one column (ids, prices) from
    `low` to `high`, `rising` or not, asked for by ranges of that column from its first end.
    The first is `first` wide; the next as wide as the rows found so far say the listing
    needs, and half again (each query costs a plan, ~3 ms; each row it reads ~20
    microseconds), or `growth` times wider after none (None: the rest at once); after
    `NARROWED_RANGES` of them, the rest at once.

    `narrowed(start, end)` lists a range narrowed in the index by its tokens (None when it
    cannot be); `rest(start, end)` lists the range left, at once and without them: tokens
    for most products cost the index more than the rows they leave out.
    """
    rows: list[Row] = []
    width, read, asked = first, 0, 0
    while low <= high and len(rows) < limit:
        start, end = ((low, min(high, low + width - 1)) if rising
                      else (max(low, high - width + 1), high))
        part = (narrowed(start, end) if (start, end) != (low, high)
                and asked < NARROWED_RANGES else None)
        asked += 1
        if part is None:
            start, end, part = low, high, rest(low, high)
        rows += connection.execute(part.limit(limit - len(rows))).all()
        read += end - start + 1
        low, high = (end + 1, high) if rising else (low, start - 1)
        width = (read * limit * 3 // (2 * len(rows)) - read if rows
                 else read * growth if growth else high - low + 1)
    return rows


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def for_dialect(name: str):
    return _BACKENDS[name]
