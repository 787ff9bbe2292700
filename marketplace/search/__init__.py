"""Product search: one service (`search`) over SQLite FTS5 or PostgreSQL full-text."""

from marketplace.extensions import db
from marketplace.search import schema
from marketplace.search.service import (
    MAX_PAGE,
    PER_PAGE,
    SORTS,
    SearchQuery,
    SearchResult,
    parse_query,
    search,
    suggest,
    tokens,
)

schema.register(db.metadata)

__all__ = ["MAX_PAGE", "PER_PAGE", "SORTS", "SearchQuery", "SearchResult", "parse_query",
           "schema", "search", "suggest", "tokens"]
