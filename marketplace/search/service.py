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
#: Results are counted up to this many; beyond it the page says "10,000+".
COUNT_CAP = 10_000
MAX_PAGE = math.ceil(COUNT_CAP / PER_PAGE)
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
    total: int
    query: SearchQuery
    #: True when the words matched nothing and similar words (typo fallback) were used.
    fuzzy: bool = False
    #: Messages about input that was ignored or corrected (shown above the results).
    notices: list[str] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, COUNT_CAP) / self.query.per_page))


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
    values["page"] = int(page) if page.isdigit() and len(page) < 10 and int(page) > 0 else 1
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


def _filtered(query: SearchQuery) -> Select:
    stmt = public_products()
    if query.category_ids is not None:
        stmt = stmt.where(Product.category_id.in_(query.category_ids))
    if query.store_id is not None:
        stmt = stmt.where(Product.store_id == query.store_id)
    if query.province:
        stmt = stmt.where(Store.province_code == query.province)
    if query.min_price is not None:
        stmt = stmt.where(Product.price_min >= query.min_price)
    if query.max_price is not None:
        stmt = stmt.where(Product.price_min <= query.max_price)
    if query.in_stock:
        stmt = stmt.where(Product.stock_total > 0)
    return stmt


_ORDER = {
    "newest": (Product.created_at.desc(), Product.id.desc()),
    "price_asc": (Product.price_min.asc(), Product.id.desc()),
    "price_desc": (Product.price_min.desc(), Product.id.desc()),
    "best_selling": (Product.sold_count.desc(), Product.id.desc()),
}


def _run(stmt: Select, rank, query: SearchQuery) -> tuple[list[Product], int]:
    """One page of rows, then a (bounded) count only when the page alone cannot tell it."""
    order = _ORDER.get(query.sort) or ((rank, Product.id.desc()) if rank is not None
                                       else _ORDER["newest"])
    offset = (query.page - 1) * query.per_page
    items = list(db.session.scalars(stmt.order_by(*order).limit(query.per_page).offset(offset))
                 .unique())
    if len(items) < query.per_page and (items or offset == 0):
        return items, offset + len(items)
    ids = stmt.with_only_columns(Product.id).order_by(None).limit(COUNT_CAP + 1).subquery()
    return items, db.session.scalar(select(func.count()).select_from(ids))


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
        items, total = _run(stmt, None, replace(query, sort=_no_text_sort(query.sort)))
        return SearchResult(items, total, query)
    matched, rank = backend.match(stmt, terms)
    items, total = _run(matched, rank, query)
    if total or query.page > 1:
        return SearchResult(items, total, query)
    fuzzy = backend.fuzzy(stmt, terms)
    if fuzzy is None:
        return SearchResult([], 0, query)
    items, total = _run(*fuzzy, query)
    return SearchResult(items, total, query, fuzzy=bool(total))


def _no_text_sort(sort: str) -> str:
    return "newest" if sort == "relevance" else sort
