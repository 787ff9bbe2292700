"""Products and their variants: created and changed by the owning vendor only."""

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import func, select, update

from marketplace.clock import utcnow
from marketplace.errors import PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import Category, Product, ProductStatus, Store, User, Variant
from marketplace.money import MAX_PRICE, MIN_PRICE
from marketplace.validation import clean_text

MAX_VARIANTS = 50


def _require_owner(actor: User, store: Store) -> None:
    if not store.can_manage(actor):
        raise PermissionDenied()


def check_price(value, field: str = "price") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("Enter a whole number of rupiah, e.g. 25000."), field=field)
    if not MIN_PRICE <= value <= MAX_PRICE:
        raise ValidationError(_("The price must be between Rp100 and Rp1.000.000.000."),
                              field=field)
    return value


def check_stock(value, field: str = "stock") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > 1_000_000:
        raise ValidationError(_("Stock must be a whole number from 0 to 1,000,000."),
                              field=field)
    return value


def _check_variants(store: Store, variants: list[dict], option_names: tuple,
                    product: Product | None = None) -> list[dict]:
    if not variants:
        raise ValidationError(_("A product needs at least one variant with a price."),
                              field="variants")
    if len(variants) > MAX_VARIANTS:
        raise ValidationError(_("A product can have at most %(n)d variants.", n=MAX_VARIANTS),
                              field="variants")
    cleaned, seen_skus, seen_options = [], set(), set()
    for position, raw in enumerate(variants):
        sku = clean_text(raw.get("sku"), 64, "sku").upper()
        if sku in seen_skus:
            raise ValidationError(_("The SKU %(sku)s is used twice.", sku=sku), field="sku")
        seen_skus.add(sku)
        options = tuple(
            clean_text(raw.get(key), 40, key, required=bool(name)) or None if name else None
            for key, name in zip(("option1", "option2"), option_names, strict=True)
        )
        if options in seen_options:
            raise ValidationError(_("Two variants have the same options."), field="variants")
        seen_options.add(options)
        cleaned.append({"sku": sku, "option1": options[0], "option2": options[1],
                        "price": check_price(raw.get("price")),
                        "stock": check_stock(raw.get("stock", 0)), "position": position})
    own_ids = [v.id for v in product.variants] if product is not None else []
    clash = db.session.scalar(
        select(Variant.sku).where(Variant.store_id == store.id, Variant.sku.in_(seen_skus),
                                  Variant.id.not_in(own_ids))
    )
    if clash:
        raise ValidationError(_("The SKU %(sku)s is already used in your store.", sku=clash),
                              field="sku")
    return cleaned


def refresh_listing(product: Product) -> None:
    """Keep the product's listing figures (price range, stock) in step with its variants."""
    active = [v for v in product.variants if v.active]
    prices = [v.price for v in active] or [0]
    product.price_min, product.price_max = min(prices), max(prices)
    product.stock_total = sum(v.stock for v in active)
    product.cover_image_id = product.images[0].image_id if product.images else None


def unique_product_slug(title: str) -> str:
    # Product URLs carry the id (/p/<id>-<slug>), so the slug need not be unique.
    return slugify(title, max_length=120) or "produk"


def create_product(actor: User, store: Store, *, title: str, category_id: int,
                   weight_grams: int, variants: list[dict], description: str = "",
                   status: ProductStatus = ProductStatus.DRAFT, option1_name: str | None = None,
                   option2_name: str | None = None, **food) -> Product:
    """Add a product with one or more variants to the actor's own store.

    :raises PermissionDenied: the actor does not own the store.
    :raises ValidationError: a field or variant is invalid.
    """
    _require_owner(actor, store)
    product = Product(store=store)
    _apply_fields(product, title=title, category_id=category_id, weight_grams=weight_grams,
                  description=description, status=status, option1_name=option1_name,
                  option2_name=option2_name, **food)
    option_names = (product.option1_name, product.option2_name)
    for values in _check_variants(store, variants, option_names):
        product.variants.append(Variant(store_id=store.id, active=True, **values))
    db.session.add(product)
    refresh_listing(product)
    db.session.flush()
    return product


def _apply_fields(product: Product, *, title, category_id, weight_grams, description, status,
                  option1_name, option2_name, **food) -> None:
    product.title = clean_text(title, 120, "title")
    product.slug = unique_product_slug(product.title)
    product.description = clean_text(description, 5000, "description", required=False)
    if db.session.get(Category, category_id) is None:
        raise ValidationError(_("Choose a category from the list."), field="category_id")
    product.category_id = category_id
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or not (
        1 <= weight_grams <= 100_000
    ):
        raise ValidationError(_("Enter the weight in grams, from 1 to 100000."),
                              field="weight_grams")
    product.weight_grams = weight_grams
    product.option1_name = clean_text(option1_name, 30, "option1_name", required=False) or None
    product.option2_name = clean_text(option2_name, 30, "option2_name", required=False) or None
    if product.option2_name and not product.option1_name:
        raise ValidationError(_("Name the first option before the second."),
                              field="option1_name")
    for key, value in food.items():
        if key not in ("pirt_number", "pirt_expires_on", "halal_number", "halal_expires_on",
                       "nib"):
            raise TypeError(f"unknown product field {key}")
        setattr(product, key, value or None)
    set_status(product, ProductStatus(status))


def set_status(product: Product, status: ProductStatus) -> None:
    if status == ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = utcnow()
    product.status = status


def set_price_and_stock(actor: User, variant: Variant, price: int, stock: int) -> Variant:
    """Quick edit from the product list.

    :raises PermissionDenied: not the owner of the variant's store.
    :raises ValidationError: price or stock out of range.
    """
    _require_owner(actor, variant.product.store)
    variant.price = check_price(price)
    variant.stock = check_stock(stock)
    refresh_listing(variant.product)
    db.session.flush()
    return variant


def sync_stock_totals(product_ids: set[int]) -> None:
    """Recompute products' stock_total in SQL after stock moved by conditional updates."""
    if not product_ids:
        return
    total = (
        select(func.coalesce(func.sum(Variant.stock), 0))
        .where(Variant.product_id == Product.id, Variant.active.is_(True))
        .scalar_subquery()
    )
    db.session.execute(
        update(Product).where(Product.id.in_(product_ids)).values(stock_total=total)
        .execution_options(synchronize_session=False)
    )
