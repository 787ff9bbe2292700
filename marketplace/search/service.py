"""The search service: parse what a buyer typed and chose, then list matching public products.

Listing pages (category, store) use the same function without text, so filters, sorting and
pagination behave the same everywhere. Only public products are ever returned: status active,
not hidden by moderation, store verified.
"""

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Category, Product, ProductStatus, Store, StoreStatus
from marketplace.money import MAX_PRICE
from marketplace.regions import PROVINCES
from marketplace.search import backends

PER_PAGE = 24
#: No listing goes deeper than this many results (page 417 of 24).
COUNT_CAP = 10_000
MAX_PAGE = math.ceil(COUNT_CAP / PER_PAGE)
#: Results are counted only this many pages beyond the current one ("more than 264"), so a
#: count costs about what the page itself costs, however many products match.
COUNT_AHEAD_PAGES = 10
#: Relevance ranks at most this many of the newest matches (see `_run`).
RANK_WINDOW = 1000
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
SORTS = ("relevance", "newest", "price_asc", "price_desc", "best_selling")

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Lower-case words of a query, without any search syntax (quotes, *, NEAR, OR...)."""
    words = _WORD.findall((text or "")[:MAX_QUERY_CHARS].lower())
    return [w[:40] for w in words][:MAX_TERMS]


@dataclass(frozen=True)
class SearchQuery:
    """What to list: text, filters, sort and page; built by `parse_query` from user input."""

    text: str = ""
    category_ids: tuple[int, ...] | None = None
    category_slug: str | None = None
    store_id: int | None = None
    province: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def terms(self) -> list[str]:
        return tokens(self.text)


@dataclass
class SearchResult:
    items: list[Product]
    #: Matching products, counted up to `limit`.
    total: int
    query: SearchQuery
    limit: int = COUNT_CAP
    #: True when the words matched nothing and similar words (typo fallback) were used.
    fuzzy: bool = False
    #: Messages about input that was ignored or corrected (shown above the results).
    notices: list[str] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """True when more products match than were counted."""
        return self.total > self.limit

    @property
    def shown_total(self) -> int:
        return min(self.total, self.limit)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.shown_total / self.query.per_page))


def _int_or_none(raw, notices: list[str], message: str) -> int | None:
    value = (raw or "").strip().replace(".", "").replace(",", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        notices.append(message)
        return None
    return min(int(value), MAX_PRICE)


def parse_query(args: Mapping, categories: list[Category] | None = None, **fixed) -> (
        tuple[SearchQuery, list[str]]):
    """Turn raw parameters into a SearchQuery; bad values are dropped with a notice.

    `categories` is the full category list (to resolve a slug with its subcategories);
    `fixed` sets fields the page decides (the category of /c/<slug>, the store of /s/<slug>).

    :raises NotFound: the page number is beyond the last page that can exist.
    """
    notices: list[str] = []
    text = str(args.get("q") or "")
    if len(text) > MAX_QUERY_CHARS:
        notices.append(_("Your search was shortened to %(n)d characters.", n=MAX_QUERY_CHARS))
        text = text[:MAX_QUERY_CHARS]
    values: dict = {"text": text.strip()}
    slug = args.get("category") or None
    if slug and categories is not None and "category_ids" not in fixed:
        ids = subtree_ids(categories, slug)
        if ids:
            values.update(category_ids=ids, category_slug=slug)
        else:
            notices.append(_("That category does not exist; showing all categories."))
    province = args.get("province") or None
    if province:
        if province in PROVINCES:
            values["province"] = province
        else:
            notices.append(_("That province does not exist; showing all provinces."))
    bad_price = _("Prices are whole numbers of rupiah, e.g. 25000; the wrong one was ignored.")
    low = _int_or_none(args.get("min_price"), notices, bad_price)
    high = _int_or_none(args.get("max_price"), notices, bad_price)
    if low is not None and high is not None and low > high:
        low, high = high, low
        notices.append(_("The lowest price was above the highest; we swapped them."))
    values.update(min_price=low, max_price=high, in_stock=args.get("in_stock") in ("1", "on"))
    sort = args.get("sort") or "relevance"
    values["sort"] = sort if sort in SORTS else "relevance"
    page = str(args.get("page") or "1")
    values["page"] = int(page) if page.isdigit() and len(page) < 30 and int(page) > 0 else 1
    if values["page"] > MAX_PAGE:
        raise NotFound()
    values.update(fixed)
    return SearchQuery(**values), notices


def subtree_ids(categories: list[Category], slug: str) -> tuple[int, ...]:
    """The ids of the category with this slug and of its descendants (empty if unknown)."""
    by_slug = {c.slug: c for c in categories}
    root = by_slug.get(slug)
    if root is None:
        return ()
    ids, frontier = [root.id], [root.id]
    while frontier:
        frontier = [c.id for c in categories if c.parent_id in frontier]
        ids.extend(frontier)
    return tuple(ids)


def public_products() -> Select:
    """Products a buyer may see, with their store joined (and loaded) for the cards."""
    return (
        select(Product)
        .join(Product.store)
        .options(contains_eager(Product.store), joinedload(Product.cover_image))
        .where(Product.status == ProductStatus.ACTIVE, Product.hidden.is_(False),
               Store.status == StoreStatus.VERIFIED)
    )


def visible_ids(province: str | None = None) -> Select:
    """The ids of public products (optionally of stores in one province), to filter and sort.

    The store check is a correlated EXISTS rather than a join: with a join SQLite builds a
    Bloom filter over every store for each query, which costs more than the page itself.
    """
    store_ok = select(Store.id).where(Store.id == Product.store_id,
                                      Store.status == StoreStatus.VERIFIED)
    if province:
        store_ok = store_ok.where(Store.province_code == province)
    return select(Product.id).where(Product.status == ProductStatus.ACTIVE,
                                    Product.hidden.is_(False), store_ok.exists())


def cards(ids: Select, order: tuple) -> list[Product]:
    """Load the products of one page of `ids` (already ordered and limited) for cards.

    `order` is applied again outside, on the page's few rows; it may name the subquery's
    `score` column as the string "score".
    """
    page = ids.subquery("page")
    outer = [page.c.score if column == "score" else column for column in order]
    stmt = (select(Product).join(page, page.c.id == Product.id).join(Product.store)
            .options(contains_eager(Product.store), joinedload(Product.cover_image))
            .order_by(*outer))
    return list(db.session.scalars(stmt).unique())


def _filtered(query: SearchQuery) -> Select:
    stmt = visible_ids(query.province)
    if query.category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(query.category_ids))
    if query.store_id is not None:
        stmt = stmt.where(Product.store_id == query.store_id)
    if query.min_price is not None:
        stmt = stmt.where(Product.price_min >= query.min_price)
    if query.max_price is not None:
        stmt = stmt.where(Product.price_min <= query.max_price)
    if query.in_stock:
        stmt = stmt.where(Product.stock_total > 0)
    return stmt


ORDER = {
    "newest": (Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price_min.asc(), Product.id.desc()),
    "price_desc": (Product.price_min.desc(), Product.id.desc()),
    "best_selling": (Product.sold_count.desc(), Product.id.desc()),
}


def _run(stmt: Select, rank, query: SearchQuery, window_order=None) -> tuple[
        list[Product], int, int]:
    """One page of rows, then a bounded count only when the page alone cannot tell it.

    `rank` (lower is better) orders by relevance when the sort asks for it. Returns the
    items, the count and the limit it was counted to.
    """
    offset = (query.page - 1) * query.per_page
    if query.sort in ORDER or rank is None:
        order = ORDER.get(query.sort, ORDER["newest"])
        page = stmt.order_by(*order)
    elif window_order is None:
        order = ("score", Product.id.desc())
        page = stmt.add_columns(rank.label("score")).order_by(rank, Product.id.desc())
    else:
        # Relevance is scored on the newest RANK_WINDOW matches only: scoring every match of a
        # common word (thousands) costs more than the rest of the page together.
        window = (stmt.add_columns(rank.label("score")).order_by(window_order)
                  .limit(max(RANK_WINDOW, offset + query.per_page)).subquery("window"))
        order = ("score", Product.id.desc())
        page = select(window.c.id, window.c.score).order_by(window.c.score, window.c.id.desc())
    items = cards(page.limit(query.per_page).offset(offset), order)
    limit = min(COUNT_CAP, offset + query.per_page * COUNT_AHEAD_PAGES)
    if len(items) < query.per_page and (items or offset == 0):
        return items, offset + len(items), limit
    # Without words, ordering by the listing index makes SQLite walk products first (the
    # cheap way to stop after `limit` rows) instead of walking every product of every store.
    ids = stmt.order_by(*(ORDER["newest"] if rank is None else ())).limit(limit + 1).subquery()
    return items, db.session.scalar(select(func.count()).select_from(ids)), limit


def search(query: SearchQuery) -> SearchResult:
    """List public products matching the query's words and filters, one page at a time.

    Words match title, description, category and store name, each as a prefix; when they
    match nothing, similar indexed words are tried (typos such as "kripik").
    """
    backend = backends.for_dialect(db.engine.dialect.name)
    stmt = _filtered(query)
    terms = query.terms
    if not terms:
        if query.text and not any(c.isalnum() for c in query.text):
            return SearchResult([], 0, query, notices=[_("Type a word to search for.")])
        items, total, limit = _run(stmt, None, replace(query, sort=_no_text_sort(query.sort)))
        return SearchResult(items, total, query, limit)
    matched, rank = backend.match(stmt, terms)
    items, total, limit = _run(matched, rank, query, backend.newest_first)
    if total or query.page > 1:
        return SearchResult(items, total, query, limit)
    fuzzy = backend.fuzzy(stmt, terms)
    if fuzzy is None:
        return SearchResult([], 0, query)
    items, total, limit = _run(*fuzzy, query, backend.newest_first)
    return SearchResult(items, total, query, limit, fuzzy=bool(total))


def _no_text_sort(sort: str) -> str:
    return "newest" if sort == "relevance" else sort
