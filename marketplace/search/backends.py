"""The two search backends: SQLite FTS5 and PostgreSQL full-text (`simple`, GIN).

Both index words as written and are handed the same lists of words to look for (see
`words.py`), so they find the same products. Each turns groups of words (any word of a group
matches; every group must) into its own query text, which is always a bound parameter; the
words are letters and digits only, so no user text reaches either query syntax.
"""

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    cast,
    column,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY

from marketplace.models import Product
from marketplace.search.words import Term

Groups = list[list[Term]]


class SQLiteBackend:
    """FTS5 (unicode61 without diacritics, prefix indexes of 2-4 letters)."""

    index = table("product_search", column("rowid"))
    fts = literal_column("product_search")

    @staticmethod
    def _expression(groups: Groups, *, every: bool = True, title: bool = False) -> str:
        def group(terms: list[Term]) -> str:
            inner = " OR ".join(f'"{t.word}"' + ("*" if t.prefix else "") for t in terms)
            return f"title : ({inner})" if title else f"({inner})"

        return (" AND " if every else " OR ").join(group(g) for g in groups)

    def match(self, stmt: Select, groups: Groups, *, every: bool = True) -> Select:
        return stmt.join(self.index, self.index.c.rowid == Product.id).where(
            self.fts.op("MATCH")(bindparam("fts_query", self._expression(groups, every=every))))

    def flag(self, name: str, groups: Groups, *, title: bool = False) -> ColumnElement:
        """True for matching products that also match these groups (all of them)."""
        matching = select(self.index.c.rowid).where(
            self.fts.op("MATCH")(bindparam(name, self._expression(groups, title=title))))
        return Product.id.in_(matching.scalar_subquery())

    def vocabulary(self, connection) -> list[tuple[str, int]]:
        return list(connection.execute(text("SELECT term, doc FROM product_search_vocab")))


class PostgresBackend:
    """A `simple` tsvector per product (title weighted A) in a GIN index."""

    index = table("product_search", column("product_id"), column("document"))

    @staticmethod
    def _tsquery(name: str, groups: Groups, *, every: bool = True, title: bool = False):
        def lexeme(term: Term) -> str:
            label = ("*" if term.prefix else "") + ("A" if title else "")
            return f"'{term.word}'" + (f":{label}" if label else "")

        value = (" & " if every else " | ").join(
            "(" + " | ".join(lexeme(t) for t in g) + ")" for g in groups)
        # A cast, not to_tsquery(): the words are already normalised as the index stores them.
        return cast(bindparam(name, value), TSQUERY)

    def match(self, stmt: Select, groups: Groups, *, every: bool = True) -> Select:
        return stmt.join(self.index, self.index.c.product_id == Product.id).where(
            self.index.c.document.op("@@")(self._tsquery("ts_query", groups, every=every)))

    def flag(self, name: str, groups: Groups, *, title: bool = False) -> ColumnElement:
        return self.index.c.document.op("@@")(self._tsquery(name, groups, title=title))

    def vocabulary(self, connection) -> list[tuple[str, int]]:
        return list(connection.execute(text("SELECT term, docs FROM product_search_terms")))


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def for_dialect(name: str):
    return _BACKENDS[name]
