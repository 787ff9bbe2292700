"""The two search backends: SQLite FTS5 and PostgreSQL full-text (`indonesian`) + pg_trgm.

Each turns sanitised words (letters and digits only, see `service.tokens`) into a match
condition and a rank on an already filtered statement; user text never reaches the query
syntax of either database, and every value is a bound parameter.
"""

from sqlalchemy import Select, bindparam, column, event, func, literal_column, or_, select, table
from sqlalchemy.pool import Pool

from marketplace.extensions import db
from marketplace.models import Product

#: How alike a misspelt word and an indexed word must be (trigram Jaccard, as pg_trgm).
SIMILARITY = 0.4
#: The same for PostgreSQL's word_similarity (a word against the closest part of a title).
PG_WORD_SIMILARITY = 0.5
#: Similar words tried per misspelt word.
ALTERNATIVES = 3


def trigrams(word: str) -> set[str]:
    """pg_trgm's trigrams of one word: padded with two spaces before and one after."""
    padded = f"  {word} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


class SQLiteBackend:
    """FTS5 with bm25 ranking (title counts most, then category, store, description)."""

    index = table("product_search", column("rowid"))
    vocab = table("product_search_vocab", column("term"))
    fts = literal_column("product_search")
    #: FTS5 walks its matches in rowid order itself, so a window of them needs no sort.
    newest_first = index.c.rowid.desc()

    def _matching(self, stmt: Select, expression: str):
        stmt = stmt.join(self.index, self.index.c.rowid == Product.id).where(
            self.fts.op("MATCH")(bindparam("fts_query", expression))
        )
        return stmt, func.bm25(self.fts, 10.0, 4.0, 3.0, 1.0)

    def match(self, stmt: Select, terms: list[str]):
        return self._matching(stmt, " ".join(f'"{t}"*' for t in terms))

    def fuzzy(self, stmt: Select, terms: list[str]):
        """Replace each word by the indexed words most like it (same first letter)."""
        ranges = [(t[0], chr(ord(t[0]) + 1)) for t in terms]
        conditions = [(self.vocab.c.term >= lo) & (self.vocab.c.term < hi) for lo, hi in ranges]
        vocabulary = list(db.session.scalars(select(self.vocab.c.term).where(or_(*conditions))))
        groups = []
        for term in terms:
            scored = sorted(((similarity(term, w), w) for w in vocabulary
                             if w[0] == term[0] and abs(len(w) - len(term)) <= 3), reverse=True)
            best = [w for score, w in scored[:ALTERNATIVES] if score >= SIMILARITY]
            if not best:
                return None
            groups.append("(" + " OR ".join(f'"{w}"' for w in best) + ")")
        return self._matching(stmt, " AND ".join(groups))


class PostgresBackend:
    """`indonesian` text search (stemmed, GIN index) ranked by ts_rank; pg_trgm for typos."""

    index = table("product_search", column("product_id"), column("document"), column("words"))
    #: Every match is ranked: PostgreSQL finds them with a bitmap scan of the GIN index anyway.
    newest_first = None

    def _matching(self, stmt: Select, condition, rank):
        # OFFSET 0 keeps the match a subquery of its own, answered from the GIN index; joined
        # flat, a LIMIT tempts the planner into walking every product in id order instead.
        matches = (select(self.index.c.product_id, rank.label("rank")).where(condition)
                   .offset(0).subquery("matches"))
        return stmt.join(matches, matches.c.product_id == Product.id), matches.c.rank

    def match(self, stmt: Select, terms: list[str]):
        # Each word matches as a prefix of a stemmed word ("tenunan" -> "tenun") or of the word
        # as written (the stemmer turns "keripik" into "ripik", so "kerip" needs the latter).
        tsquery = None
        for number, term in enumerate(terms):
            value = bindparam(f"ts_term_{number}", f"'{term}':*")
            either = func.to_tsquery(literal_column("'indonesian'::regconfig"), value).op("||")(
                func.to_tsquery(literal_column("'simple'::regconfig"), value))
            tsquery = either if tsquery is None else tsquery.op("&&")(either)
        return self._matching(stmt, self.index.c.document.op("@@")(tsquery),
                              -func.ts_rank(self.index.c.document, tsquery))

    def fuzzy(self, stmt: Select, terms: list[str]):
        """Products whose title, category or store contain words like these (word_similarity)."""
        phrase = bindparam("trgm_query", " ".join(terms))
        return self._matching(stmt, self.index.c.words.op("%>")(phrase),
                              -func.word_similarity(phrase, self.index.c.words))


@event.listens_for(Pool, "connect")
def _trigram_threshold(dbapi_connection, _record) -> None:
    """Typos like "kripik" for "keripik" score about 0.57; pg_trgm's default cut is 0.6."""
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET pg_trgm.word_similarity_threshold = {PG_WORD_SIMILARITY}")
        dbapi_connection.commit()


_BACKENDS = {"sqlite": SQLiteBackend(), "postgresql": PostgresBackend()}


def for_dialect(name: str):
    return _BACKENDS[name]
