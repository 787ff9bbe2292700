"""The search service: parse what a buyer typed and chose, then list matching public products.

Listing pages (category, store) use the same function without text, so filters, sorting and
pagination behave the same everywhere. Only public products are ever returned: status active,
not hidden by moderation, store verified.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, event, func, or_, select
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload
from sqlalchemy.orm.attributes import get_history

from marketplace import versions
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import (
    Category,
    ImageStatus,
    Product,
    ProductStatus,
    Store,
    StoredImage,
    StoreStatus,
    SynonymGroup,
)
from marketplace.models.catalog import NamedInTwoLanguages
from marketplace.money import MAX_PRICE
from marketplace.regions import PROVINCES
from marketplace.search import backends, facets
from marketplace.search.synonyms import CACHE as SYNONYM_CACHE
from marketplace.search.synonyms import synonym_map
from marketplace.search.words import (
    MAX_QUERY_CHARS,
    WORDS_VERSION,
    Cached,
    Reading,
    Term,
    Vocabulary,
    read,
    tokens,
    typo_budget,
    words_in,
)

PER_PAGE = 24
#: No listing goes deeper than this many results (page 417 of 24).
COUNT_CAP = 10_000
MAX_PAGE = math.ceil(COUNT_CAP / PER_PAGE)
#: Results are counted only this many pages beyond the current one ("more than 264"), so a
#: count costs about what the page itself costs, however many products match.
COUNT_AHEAD_PAGES = 10
SORTS = ("relevance", "newest", "price_asc", "price_desc", "best_selling")
#: The indexed words of each database, per process. Reading them scans the whole index
#: (~300 ms at 100k products), so they are reloaded only when the "search-words" version
#: changes (a committed change to indexed text or synonyms, in any process: see
#: `_word_changes`), at once when this process changed them (`_forget_words`), and after
#: 10 minutes for changes made outside the application.
VOCABULARY = Cached(ttl=600)
#: The category tree of each database, per process: category and search pages, the search
#: box and the API read it on every request, and it changes only with a category. Reloaded
#: when the "categories" version changes (a committed change to a category, in any process)
#: and after 10 minutes for changes made outside the application.
CATEGORY_TREE = Cached(ttl=600)
CATEGORIES_VERSION = "categories"


@dataclass(frozen=True)
class Cursor:
    """Where a page ends (or the next one begins) in its order: the sort value and id of a
    product. The next page is the index walked on from there, so page 50 costs what page 1
    costs, where OFFSET would step over the 1,176 products before it."""

    value: int
    id: int

    def __str__(self) -> str:
        return f"{self.value}.{self.id}"

    @classmethod
    def parse(cls, raw) -> "Cursor | None":
        """From a link's `after`/`before`; None for anything else (the page number is used)."""
        value, dot, ident = str(raw or "").partition(".")
        if dot and value.isdigit() and ident.isdigit() and len(value) <= 18 and len(ident) <= 12:
            return cls(int(value), int(ident))
        return None


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
    #: The page starts after this product (a "next" link) or ends before it ("previous").
    after: Cursor | None = None
    before: Cursor | None = None

    @property
    def terms(self) -> list[str]:
        return tokens(self.text)


@dataclass
class SearchResult:
    items: list["ProductCard"]
    #: Matching products, counted up to `limit`.
    total: int
    query: SearchQuery
    limit: int = COUNT_CAP
    #: True when the words as typed matched nothing and corrected words were used.
    fuzzy: bool = False
    #: Messages about input that was ignored or corrected (shown above the results).
    notices: list[str] = field(default_factory=list)
    #: True when no product has every word and products with some of them are listed.
    partial: bool = False
    #: "Did you mean": the query with its misspelt words corrected, when that finds more.
    suggestion: str | None = None
    #: Where the next and previous pages start, for their links (None: by page number).
    after: Cursor | None = None
    before: Cursor | None = None

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


@dataclass(frozen=True, eq=False)
class CategoryNode(NamedInTwoLanguages):
    """A category as pages show it, read once per process (see `all_categories`)."""

    id: int
    parent_id: int | None
    slug: str
    name_id: str
    name_en: str
    position: int
    parent: "CategoryNode | None"


def all_categories() -> tuple[CategoryNode, ...]:
    """Every category, parents first then by position."""
    return CATEGORY_TREE.get(str(db.engine.url), _read_category_tree,
                             versions.current(CATEGORIES_VERSION))


def _read_category_tree() -> tuple[CategoryNode, ...]:
    rows = db.session.execute(
        select(Category.id, Category.parent_id, Category.slug, Category.name_id,
               Category.name_en, Category.position)
        .order_by(Category.parent_id.is_not(None), Category.position, Category.id))
    by_id = {row.id: row for row in rows}
    nodes: dict[int, CategoryNode] = {}

    def node(row) -> CategoryNode:  # its parent first, at whatever depth
        if row.id not in nodes:
            parent = node(by_id[row.parent_id]) if row.parent_id in by_id else None
            nodes[row.id] = CategoryNode(*row, parent=parent)
        return nodes[row.id]

    return tuple(node(row) for row in by_id.values())


versions.watch_models(CATEGORIES_VERSION, (Category,))


def parse_query(args: Mapping, categories: Sequence[CategoryNode] | None = None, **fixed) -> (
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
    if values["page"] > 1:
        values.update(after=Cursor.parse(args.get("after")),
                      before=Cursor.parse(args.get("before")))
    values.update(fixed)
    return SearchQuery(**values), notices


def subtree_ids(categories: Sequence[CategoryNode], slug: str) -> tuple[int, ...]:
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


@dataclass(frozen=True, slots=True)
class CardImage:
    """What a card's picture needs of a stored image (a ready one: see `_card_select`)."""

    id: int
    sha256: str
    width: int
    height: int

    @property
    def ready(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class CardStore:
    """What a card (and the API's product summary) shows of the store."""

    id: int
    slug: str
    name: str
    province_code: str
    regency: str | None


@dataclass(frozen=True, slots=True)
class ProductCard:
    """A product as a grid card shows it: read by one Core select with its store and first
    image, never as a full ORM graph (that cost ~5 ms a page of 24)."""

    id: int
    slug: str
    title: str
    price_min: int
    price_max: int
    stock_total: int
    sold_count: int
    rating_sum: int
    rating_count: int
    created_at: datetime
    updated_at: datetime
    store: CardStore
    cover_image: CardImage | None


_CARD_COLUMNS = (
    Product.id, Product.slug, Product.title, Product.price_min, Product.price_max,
    Product.stock_total, Product.sold_count, Product.rating_sum, Product.rating_count,
    Product.created_at, Product.updated_at, Store.id, Store.slug, Store.name,
    Store.province_code, Store.regency,
    StoredImage.id, StoredImage.sha256, StoredImage.width, StoredImage.height,
)


@cache
def _card_select() -> Select:
    """Built once: building and keying it anew cost about as much as running a page of cards."""
    return (select(*_CARD_COLUMNS).join(Store, Store.id == Product.store_id)
            .outerjoin(StoredImage, (StoredImage.id == Product.cover_image_id)
                       & (StoredImage.status == ImageStatus.READY)))


def card(row) -> ProductCard:
    """A card from a row of `_card_select`."""
    (product_id, slug, title, price_min, price_max, stock_total, sold_count, rating_sum,
     rating_count, created_at, updated_at, store_id, store_slug, store_name, province_code,
     regency, image_id, sha256, width, height) = row
    return ProductCard(
        product_id, slug, title, price_min, price_max, stock_total, sold_count, rating_sum,
        rating_count, created_at, updated_at,
        CardStore(store_id, store_slug, store_name, province_code, regency),
        CardImage(image_id, sha256, width, height) if image_id is not None else None)


def card_statement(ids: Select, order: tuple) -> Select:
    """The rows of the cards of one page of `ids` (already ordered and limited), for `card`.

    `order` is applied again outside, on the page's few rows.
    """
    page = ids.subquery("page")
    return _card_select().join(page, page.c.id == Product.id).order_by(*order)


def cards(ids: Select, order: tuple) -> list[ProductCard]:
    """The cards of one page of `ids` (already ordered and limited)."""
    return [card(row) for row in db.session.execute(card_statement(ids, order))]


def _facets(query: SearchQuery) -> list[list[str]]:
    """The query's filters as index tokens, so the index narrows the matches by them."""
    return facets.groups(query.province, query.min_price, query.max_price)


def _filtered(query: SearchQuery, *, province: bool = True) -> Select:
    """The public products passing the query's filters; `province=False` leaves the province
    to the index's token (see `search`)."""
    stmt = visible_ids(query.province if province else None)
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


@dataclass(frozen=True)
class _Sort:
    """An order pages are walked in: by `column`, rising or falling, ties newest id first;
    a card's `field` holds its value there (what a cursor keeps)."""

    column: Any
    rising: bool
    field: str

    @property
    def order(self) -> tuple:
        ties = () if self.field == "id" else (Product.id.desc(),)
        return (self.column.asc() if self.rising else self.column.desc(), *ties)

    @property
    def backwards(self) -> tuple:
        ties = () if self.field == "id" else (Product.id.asc(),)
        return (self.column.desc() if self.rising else self.column.asc(), *ties)

    def cursor(self, card: "ProductCard") -> Cursor:
        value = getattr(card, self.field)
        if isinstance(value, datetime):
            value = (value - _EPOCH) // timedelta(microseconds=1)
        return Cursor(value, card.id)

    def beyond(self, cursor: Cursor, *, forward: bool = True):
        """The rows after the cursor's product in this order (`forward`), or before it.
        A range on the column (which an index serves) narrowed on its ties, rather than a
        row comparison: the orders mix directions."""
        # Values no product can have are brought within the column's type (PostgreSQL
        # refuses a parameter beyond it): the same rows are before and after them.
        value, ident = min(cursor.value, _INT_MAX), min(cursor.id, _INT_MAX)
        if self.field == "created_at":
            try:
                value = _EPOCH + timedelta(microseconds=cursor.value)
            except OverflowError:
                value = datetime.max.replace(tzinfo=UTC)
        tie = Product.id < ident if forward else Product.id > ident
        if self.rising == forward:
            return and_(self.column >= value, or_(self.column > value, tie))
        return and_(self.column <= value, or_(self.column < value, tie))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INT_MAX = 2 ** 31 - 1
SORT = {
    "newest": _Sort(Product.created_at, False, "created_at"),
    "price_asc": _Sort(Product.price_min, True, "price_min"),
    "price_desc": _Sort(Product.price_min, False, "price_min"),
    "best_selling": _Sort(Product.sold_count, False, "sold_count"),
}


class _Page(NamedTuple):
    items: list["ProductCard"]
    #: Matching products, counted up to `limit` (+ 1 when there are more).
    total: int
    limit: int
    after: Cursor | None = None
    before: Cursor | None = None


def _page_of(stmt: Select, query: SearchQuery, sort: _Sort, *, backend=None,
             priced: Callable[[int, int], Select] | None = None, plain: int = 1) -> _Page:
    """One page of `stmt` in `sort`'s order: after or before a cursor when a link gives one
    (a range of the index, whatever the page number), else by OFFSET (old links, a page
    number typed by hand); counted ten pages ahead. Going forward, one query reads the ids
    of the page and of the ten pages after it, which counts them: a separate count would
    match the words and filters a second time (half the cost of a filtered search). With
    words (matched by `backend`'s index) a count from the first page walks the index's
    matches as they come: ordering them by date would sort every match (27,000 for "batik")
    to count 241. In price order, `priced(low, high)` gives the matches priced from `low` to
    `high`, for the backend to ask for by ranges of price. Links to pages up to `plain` go by
    number (they cost no more that way)."""
    words = backend is not None
    offset = (query.page - 1) * query.per_page
    limit = min(COUNT_CAP, offset + query.per_page * COUNT_AHEAD_PAGES)
    if query.before is not None:
        ids = stmt.where(sort.beyond(query.before, forward=False)).order_by(*sort.backwards)
        # The page's few rows are put in order again by the product's own columns.
        items = cards(ids.limit(query.per_page),
                      (Product.id.desc(),) if sort.field == "id" else sort.order)
        # Counted on from the page's last product: as cheap on page 50 as on page 1.
        rest = _count(stmt.where(sort.beyond(sort.cursor(items[-1]))),
                      max(0, limit - offset - len(items)), ordered=not words) if items else 0
        total = offset + len(items) + rest
    else:
        ids = _in_order(stmt, query, sort)
        wanted = max(query.per_page, limit - offset) + 1
        if query.after is None and offset:
            ahead = db.session.scalars(ids.offset(offset).limit(wanted)).all()
        elif priced is not None and sort.field == "price_min":
            ahead = backend.in_price_order(
                db.session.connection(), ids, wanted, sort.rising, *_prices_after(query, sort),
                priced=lambda low, high: _in_order(priced(low, high), query, sort))
        else:
            ahead = db.session.scalars(ids.limit(wanted)).all()
        items = _products(ahead[:query.per_page])
        total = offset + len(ahead)
        if not ahead and offset and query.after is None:  # a page number beyond the last
            total = _count(stmt, limit, ordered=not words)
    if not items:
        return _Page(items, total, limit)
    return _Page(items, total, limit, sort.cursor(items[-1]),
                 sort.cursor(items[0]) if query.page - 1 > plain else None)


def _in_order(stmt: Select, query: SearchQuery, sort: _Sort) -> Select:
    """`stmt` from the query's cursor on, in `sort`'s order."""
    return (stmt.where(sort.beyond(query.after)) if query.after is not None else stmt
            ).order_by(*sort.order)


def _prices_after(query: SearchQuery, sort: _Sort) -> tuple[int, int]:
    """The prices (lowest, highest) a page in price order may list: the query's range, from
    the cursor on."""
    low = query.min_price or 0
    high = MAX_PRICE if query.max_price is None else min(query.max_price, MAX_PRICE)
    if query.after is not None:
        value = max(0, min(query.after.value, MAX_PRICE))
        low, high = (max(low, value), high) if sort.rising else (low, min(high, value))
    return low, high


def _count(stmt: Select, limit: int, ordered: bool = False) -> int:
    """How many rows `stmt` has, counted up to `limit` + 1."""
    # Without words, ordering by the listing index makes SQLite walk products first (the
    # cheap way to stop after `limit` rows) instead of walking every product of every store.
    ids = stmt.order_by(*(SORT["newest"].order if ordered else ())).limit(limit + 1).subquery()
    return db.session.scalar(select(func.count()).select_from(ids))


def _vocabulary(backend) -> Vocabulary:
    return VOCABULARY.get(str(db.engine.url),
                          lambda: Vocabulary(backend.vocabulary(db.session.connection())),
                          versions.current(WORDS_VERSION))


class _Wanted:
    """One reading's words as sets, for checking many texts quickly."""

    def __init__(self, terms: list[Term]) -> None:
        self.words = frozenset(t.word for t in terms)
        self.prefixes = tuple(t.word for t in terms if t.prefix)

    def found_in(self, words: frozenset[str]) -> bool:
        return not self.words.isdisjoint(words) or bool(
            self.prefixes and any(w.startswith(self.prefixes) for w in words))


@lru_cache(maxsize=512)
def _document_words(texts: tuple) -> tuple[frozenset[str], frozenset[str]]:
    """The words of a product's title, and of its title, description, store and category
    names. Cached, as the same products come back in every search of a common word; a
    product with a long description costs ~10 KB, so 512 of them (two ranked windows)
    keep the cache near 5 MB of a worker."""
    title = words_in(texts[0])
    return title, title.union(*(words_in(t) for t in texts[1:] if t))


def _relevance(readings: list[Reading], every: bool):
    """The sort key of a match, lower first (Meilisearch's order of rules): words matched
    (when not all must), no typo over typos, words in the title, whole words as typed (in
    the title, then anywhere) over prefixes, roots and variants; then in stock, sales,
    rating, newest."""
    wanted = [_Wanted(r.all) for r in readings]
    literal = [_Wanted(r.literal) for r in readings] if any(r.typos for r in readings) else []
    typed = frozenset(r.typed for r in readings)

    def key(row) -> tuple:
        # Unpacked by position: attribute access on a Row costs more than the rest of a key.
        (product_id, title_text, *texts, stock_total, sold_count, rating_sum,
         rating_count) = row
        title, found = _document_words((title_text, *texts))
        rating = rating_sum * 100 // rating_count if rating_count else 0
        return (
            0 if every else sum(not w.found_in(found) for w in wanted),
            not all(w.found_in(found) for w in literal),
            sum(not w.found_in(title) for w in wanted),
            # "tenun" ranks Kain Tenun above Syal Tenunan, which it begins or shares a root
            # with.
            len(typed - title), len(typed - found),
            stock_total <= 0, -sold_count, -rating, -product_id,
        )

    return key


# Built once: a fresh alias per search costs more Python than ranking the whole window.
_SHOP, _CATEGORY, _PARENT = aliased(Store), aliased(Category), aliased(Category)


def _find(backend, stmt: Select, readings: list[Reading], query: SearchQuery,
          every: bool = True) -> _Page:
    """A page of the products matching the readings.

    By relevance, the newest matches, ten pages of them, are ranked in Python on their
    texts, the same way for both databases; the pages after them list the other matches
    newest first. Ranking every match of a common word (tens of thousands) would cost more
    than the rest of the page together; a window that grew with the page number would move
    products from one page to the next.
    """
    terms = [r.all for r in readings]
    filters = _facets(query)
    matched = backend.match(stmt, terms, every=every, facets=filters)
    if query.sort in SORT:
        def priced(low: int, high: int) -> Select:
            narrowed = replace(query, min_price=low, max_price=high)
            return backend.match(_filtered(narrowed, province=False), terms, every=every,
                                 facets=_facets(narrowed))

        return _page_of(matched, query, SORT[query.sort], backend=backend, priced=priced)
    ranked = query.per_page * COUNT_AHEAD_PAGES
    offset = (query.page - 1) * query.per_page
    newest = _Sort(backend.key, False, "id")
    if offset >= ranked:
        return _page_of(matched, query, newest, backend=backend,
                        plain=ranked // query.per_page + 1)
    limit = min(COUNT_CAP, offset + ranked)
    shop, category, parent = _SHOP, _CATEGORY, _PARENT
    window = (matched.add_columns(
        Product.title, Product.description, shop.name, category.name_id, category.name_en,
        parent.name_id, parent.name_en, Product.stock_total, Product.sold_count,
        Product.rating_sum, Product.rating_count)
        .join(shop, shop.id == Product.store_id)
        .join(category, category.id == Product.category_id)
        .outerjoin(parent, parent.id == category.parent_id)
        .order_by(*newest.order))
    rows = backend.newest(db.session.connection(), window, ranked + 1,
                          together=every and len(readings) > 1 and not filters)
    # Where the newest-first pages begin: after the window's oldest match.
    boundary = Cursor(rows[ranked - 1].id, rows[ranked - 1].id) if len(rows) > ranked else None
    total = _count(matched, limit) if boundary and limit > ranked else len(rows)
    rows = rows[:ranked]
    rows.sort(key=_relevance(readings, every))
    items = _products([row.id for row in rows[offset:offset + query.per_page]])
    last = offset + query.per_page >= ranked
    return _Page(items, total, limit, boundary if last else None)


#: Built once and run on the session's connection: building the statement and passing it
#: through the ORM cost more than the query (2.6 ms a page at 100k products, now 1.4 ms).
_CARDS_BY_ID = _card_select().where(Product.id.in_(bindparam("ids", expanding=True)))


def _products(ids: list[int]) -> list[ProductCard]:
    """The cards of these products, in this order."""
    if not ids:
        return []
    found = {item.id: item for item in map(card, db.session.connection().execute(
        _CARDS_BY_ID, {"ids": ids}))}
    return [found[i] for i in ids if i in found]


def search(query: SearchQuery) -> SearchResult:
    """List public products matching the query's words and filters, one page at a time.

    Each word matches title, description, category and store name as written, by its root,
    by a curated variant spelling, or with the typos its length allows; the last word also as
    a prefix. When that finds nothing, short words may have a typo too, and then products with
    only some of the words are listed. Exact matches come before corrected ones.
    """
    backend = backends.for_dialect(db.engine.dialect.name)
    words = query.terms
    if not words:
        if query.text and not any(c.isalnum() for c in query.text):
            return SearchResult([], 0, query, notices=[_("Type a word to search for.")])
        page = _page_of(_filtered(query), query, SORT[_no_text_sort(query.sort)])
        return _result(page, query)
    # With words, the index's province token alone picks the province: the triggers change
    # it with the store's row, so it is exact. Tested in SQL as well, PostgreSQL's planner
    # counted the province twice, expected 86 matches where there were 7,000, and walked
    # the province's stores (280 ms at 1M products) instead of the index (30 ms).
    stmt = _filtered(query, province=False)
    vocabulary, variants = _vocabulary(backend), synonym_map()
    readings = read(words, vocabulary, variants)
    page = _find(backend, stmt, readings, query)
    if not page.total:
        relaxed = read(words, vocabulary, variants, relaxed=True)
        if any(r.typos for r in relaxed):
            readings = relaxed
            page = _find(backend, stmt, readings, query)
    result = _result(page, query)
    if not page.total and len(words) > 1:
        page = _find(backend, stmt, readings, query, every=False)
        result = _result(page, query, partial=bool(page.total))
    if page.total and any(r.correction for r in readings):
        literal = _count(backend.match(stmt, [r.literal for r in readings],
                                       every=not result.partial, facets=_facets(query)),
                         page.limit)
        result.fuzzy = not literal
        if min(page.total, page.limit) > literal:
            result.suggestion = " ".join(r.correction or r.typed for r in readings)
    return result


def _result(page: _Page, query: SearchQuery, **found) -> SearchResult:
    return SearchResult(page.items, page.total, query, page.limit, after=page.after,
                        before=page.before, **found)


def suggest(text: str, categories: Sequence[CategoryNode], locale: str, limit: int = 6) -> dict:
    """Completions of what a buyer is typing: the commonest indexed words that start with
    (or, failing that, nearly start with) the last word, after the words before it; and the
    categories whose names have a word starting with it."""
    words = tokens(text)
    if not words or len(words[-1]) < 2:
        return {"completions": [], "categories": []}
    backend = backends.for_dialect(db.engine.dialect.name)
    vocabulary, last = _vocabulary(backend), words[-1]
    found = vocabulary.completions(last, limit) or [
        term for _distance, term in vocabulary.typos(last, typo_budget(last), prefix=True)
    ][:limit]
    head = " ".join(words[:-1])
    named = [c for c in categories
             if any(w.startswith(last) for w in tokens(f"{c.name_id} {c.name_en}"))]
    return {
        "completions": [f"{head} {term}".strip() for term in found],
        "categories": [{"name": c.name_for(locale), "slug": c.slug} for c in named[:4]],
    }


def _no_text_sort(sort: str) -> str:
    return "newest" if sort == "relevance" else sort


#: The columns whose change can add words to the index (or synonyms to the list).
_INDEXED = {Product: ("title", "description", "category_id", "store_id"), Store: ("name",),
            Category: ("name_id", "name_en", "parent_id"), SynonymGroup: ("words",)}


@event.listens_for(Session, "after_flush")
def _forget_words(session: Session, _context) -> None:
    """Reload this process's vocabulary and synonyms after it changed their sources, so a
    buyer sees at once what a vendor or staff member just saved (other processes within the
    caches' 30 s)."""
    changed = [obj for obj in (*session.new, *session.deleted) if type(obj) in _INDEXED]
    changed += [obj for obj in session.dirty if type(obj) in _INDEXED and any(
        get_history(obj, name).has_changes() for name in _INDEXED[type(obj)])]
    if changed:
        VOCABULARY.invalidate()
        SYNONYM_CACHE.invalidate()


def _word_changes(thing) -> tuple[str, ...]:
    """The words version a change ends: an indexed column of a product, store, category or
    synonym group changed, or one was added or deleted. Bulk statements on stores,
    categories and synonyms too; on products only inserts (see `_note_product_inserts`):
    their bulk updates (stock, ratings) change no word, and must not make every sale
    reload the vocabulary."""
    if isinstance(thing, type):
        return (WORDS_VERSION,) if thing in _INDEXED and thing is not Product else ()
    if type(thing) not in _INDEXED:
        return ()
    state = inspect_object(thing)
    if state.deleted or state.was_deleted or any(
            get_history(thing, name).has_changes() for name in _INDEXED[type(thing)]):
        return (WORDS_VERSION,)
    return ()


versions.watch(_word_changes)


@event.listens_for(Session, "do_orm_execute")
def _note_product_inserts(state) -> None:
    if (state.is_insert and state.bind_mapper is not None
            and state.bind_mapper.class_ is Product):
        versions.note(state.session, (WORDS_VERSION,))


def forget_cached_catalog() -> None:
    """Drop this process's vocabulary, synonyms and category tree (after changes made behind
    the ORM's back, such as bulk loads or emptying tables)."""
    VOCABULARY.invalidate()
    SYNONYM_CACHE.invalidate()
    CATEGORY_TREE.invalidate()
