"""What buyers discover without searching: the home page's featured vendors, new products,
popular categories and regional highlights, computed for a given moment.

`home_content(now)` takes the time explicitly so staff can preview the home page as it will
look later (a featured slot that starts tomorrow shows in a preview for tomorrow).

`catalog_version()` names the state of everything public pages show; it changes whenever a
transaction that touched it commits, so pages cached under the old version are never served
again (see `blueprints/catalog/caching.py`).
"""

import time
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from threading import Lock

from flask import current_app
from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from marketplace import versions
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import (
    Category,
    FeaturedSlot,
    Product,
    ProductImage,
    ProductStatus,
    Review,
    Store,
    StoredImage,
    StoreStatus,
    Variant,
)
from marketplace.models.catalog import NamedInTwoLanguages
from marketplace.regions import province_name
from marketplace.search.service import (
    ProductCard,
    card,
    card_statement,
    public_products,
    visible_ids,
)
from marketplace.services.stores.featured import active_slots

NEW_PRODUCTS = 12
POPULAR_CATEGORIES = 6
REGIONS = 6


@dataclass(frozen=True)
class CategoryCount(NamedInTwoLanguages):
    slug: str
    name_id: str
    name_en: str
    products: int


@dataclass(frozen=True)
class RegionCount:
    province_code: str
    name: str
    stores: int


@dataclass
class HomeContent:
    featured: list[FeaturedSlot]
    new_products: list[ProductCard]
    popular_categories: list[CategoryCount]
    regions: list[RegionCount]


_cache: dict[str, tuple[float, object]] = {}
_cache_lock = Lock()


def _cached(key: str, compute):
    """Aggregates over the whole catalog change slowly: keep them a few minutes per process."""
    seconds = current_app.config.get("DISCOVERY_CACHE_SECONDS",
                                     0 if current_app.testing else 300)
    if seconds <= 0:
        return compute()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    value = compute()
    with _cache_lock:
        _cache[key] = (time.monotonic() + seconds, value)
    return value


# --- the catalogue version ------------------------------------------------------------------

#: What public pages show: a committed change to any of these makes every cached page old.
PUBLIC_MODELS = (Product, Variant, ProductImage, StoredImage, Store, Category, FeaturedSlot,
                 Review)


#: The name of the catalogue's version (see `versions`).
CATALOG = "catalog"


def catalog_version() -> str:
    """The current catalogue version."""
    return versions.current(CATALOG)


versions.watch_models(CATALOG, PUBLIC_MODELS)


def new_products() -> list[ProductCard]:
    """The most recently listed public products."""
    return [card(row) for row in db.session.connection().execute(_new_products_statement())]


@cache
def _new_products_statement() -> Select:
    """new_products' query, built once and run on the session's connection: building it and
    passing it through the ORM cost more than running it."""
    newest = (Product.created_at.desc(), Product.id.desc())
    return card_statement(visible_ids().order_by(*newest).limit(NEW_PRODUCTS), newest)


def popular_categories(limit: int = POPULAR_CATEGORIES) -> list[CategoryCount]:
    """Top-level categories by how many public products they (and their children) hold."""
    counts = (
        select(Product.category_id, func.count().label("n"))
        .join(Product.store)
        .where(Product.status == ProductStatus.ACTIVE, Product.hidden.is_(False),
               Store.status == StoreStatus.VERIFIED)
        .group_by(Product.category_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Category.id, Category.parent_id, Category.slug, Category.name_id,
               Category.name_en, Category.position, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.category_id == Category.id)
    ).all()
    totals: dict[int, int] = {}
    for row in rows:
        totals[row.parent_id or row.id] = totals.get(row.parent_id or row.id, 0) + row[-1]
    top = [r for r in rows if r.parent_id is None and totals.get(r.id)]
    top.sort(key=lambda r: (-totals[r.id], r.position))
    return [CategoryCount(r.slug, r.name_id, r.name_en, totals[r.id]) for r in top[:limit]]


def regions(limit: int = REGIONS) -> list[RegionCount]:
    """Provinces with the most verified stores."""
    n = func.count().label("n")
    rows = db.session.execute(
        select(Store.province_code, n).where(Store.status == StoreStatus.VERIFIED)
        .group_by(Store.province_code).order_by(n.desc(), Store.province_code).limit(limit)
    ).all()
    return [RegionCount(code, province_name(code), count) for code, count in rows]


def home_content(now: datetime) -> HomeContent:
    """Everything the home page shows at `now` (featured vendors are those scheduled then)."""
    return HomeContent(
        featured=active_slots(now),
        new_products=new_products(),
        popular_categories=_cached("popular_categories", popular_categories),
        regions=_cached("regions", regions),
    )


@cache
def _public_product_statements() -> tuple[Select, Select, Select]:
    """The product page's product, variants and images, built once and bound by :product_id:
    building and keying the statements anew cost more than running them."""
    product_id = bindparam("product_id")
    product = (
        public_products()
        .join(Product.category)
        .options(contains_eager(Product.category).joinedload(Category.parent),
                 contains_eager(Product.store).joinedload(Store.logo))
        .where(Product.id == product_id)
    )
    variants = select(Variant).where(Variant.product_id == product_id).order_by(Variant.position)
    images = (select(ProductImage).options(joinedload(ProductImage.image))
              .where(ProductImage.product_id == product_id).order_by(ProductImage.position))
    return product, variants, images


def public_product(product_id: int) -> Product:
    """A product page's product with store, category, variants and images, if public.

    :raises NotFound: no such product, or it is not public (draft, archived, hidden, or its
        store is not verified).
    """
    product_stmt, variants_stmt, images_stmt = _public_product_statements()
    params = {"product_id": product_id}
    product = db.session.scalars(product_stmt, params).unique().one_or_none()
    if product is None:
        raise NotFound()
    # Set as the loaded collections: selectinload's own statements cost ~3 ms a page more.
    set_committed_value(product, "variants", list(db.session.scalars(variants_stmt, params)))
    set_committed_value(product, "images", list(db.session.scalars(images_stmt, params)))
    return product


def more_from_store(product: Product) -> list[ProductCard]:
    """Other public products of the same store, best selling first."""
    params = {"store_id": product.store_id, "product_id": product.id}
    connection = db.session.connection()
    return [card(row) for row in connection.execute(_more_from_store_statement(), params)]


@cache
def _more_from_store_statement() -> Select:
    """more_from_store's query, built once (bound by :store_id and :product_id)."""
    order = (Product.sold_count.desc(), Product.id.desc())
    return card_statement(
        visible_ids().where(Product.store_id == bindparam("store_id"),
                            Product.id != bindparam("product_id")).order_by(*order).limit(6),
        order)


def public_store(slug: str) -> Store:
    """A verified store by slug, with its logo and banner.

    :raises NotFound: no such store, or it is not verified.
    """
    store = db.session.scalars(_public_store_statement(), {"slug": slug}).one_or_none()
    if store is None:
        raise NotFound()
    return store


@cache
def _public_store_statement() -> Select:
    """public_store's query, built once (bound by :slug): building it cost more than running it."""
    return (select(Store).options(joinedload(Store.logo), joinedload(Store.banner))
            .where(Store.slug == bindparam("slug"), Store.status == StoreStatus.VERIFIED))


def sitemap_entries(limit: int = 50_000) -> dict:
    """What sitemap.xml lists: categories, verified stores and public products (newest first)."""
    categories = list(db.session.scalars(select(Category.slug).order_by(Category.id)))
    stores = db.session.execute(
        select(Store.slug, Store.updated_at).where(Store.status == StoreStatus.VERIFIED)
        .order_by(Store.id).limit(limit)
    ).all()
    products = db.session.execute(
        select(Product.id, Product.slug, Product.updated_at).join(Product.store)
        .where(Product.status == ProductStatus.ACTIVE, Product.hidden.is_(False),
               Store.status == StoreStatus.VERIFIED)
        .order_by(Product.id.desc()).limit(max(0, limit - len(categories) - len(stores)))
    ).all()
    return {"categories": categories, "stores": stores, "products": products}
