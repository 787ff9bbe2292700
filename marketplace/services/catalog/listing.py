"""Products and their variants: created and changed by the owning vendor only."""

import hashlib
import re
from datetime import date

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from marketplace.clock import utcnow
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.images import accept_upload
from marketplace.models import (
    Category,
    ImageStatus,
    Product,
    ProductImage,
    ProductStatus,
    Store,
    StoredImage,
    User,
    Variant,
)
from marketplace.money import MAX_PRICE, MIN_PRICE
from marketplace.permissions import can
from marketplace.validation import clean_text

MAX_VARIANTS = 50


def _require_owner(actor: User, store: Store) -> None:
    if not can(actor, "store.manage", store):
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


def _row_error(number: int, exc: ValidationError) -> ValidationError:
    # The vendor sees numbered variant boxes: say which one the problem is in.
    return ValidationError(_("Variant %(n)d: %(problem)s", n=number, problem=exc.message),
                           field="variants")


def _check_variants(store: Store, variants: list[dict], option_names: tuple, title: str,
                    product: Product | None = None) -> list[dict]:
    if not variants:
        raise ValidationError(_("Add at least one variant with its price."), field="variants")
    if len(variants) > MAX_VARIANTS:
        raise ValidationError(_("A product can have at most %(n)d variants.", n=MAX_VARIANTS),
                              field="variants")
    own = {v.id: v for v in product.variants} if product is not None else {}
    cleaned, seen_skus, seen_options = [], set(), set()
    for position, raw in enumerate(variants):
        number = raw.get("row") or position + 1
        try:
            sku = clean_text(raw.get("sku"), 64, "sku", required=False).upper()
            options = [clean_text(raw.get(key), 40, key, required=False) if name else ""
                       for key, name in zip(("option1", "option2"), option_names, strict=True)]
        except ValidationError as exc:
            raise _row_error(number, exc) from exc
        if not sku and raw.get("id") in own:  # an existing variant keeps its SKU
            sku = own[raw["id"]].sku
        if sku in seen_skus:
            raise ValidationError(_("The SKU %(sku)s is used twice.", sku=sku), field="sku")
        if sku:
            seen_skus.add(sku)
        for name, value in zip(option_names, options, strict=True):
            if name and not value:
                raise ValidationError(_("Variant %(n)d: enter its %(option)s.", n=number,
                                        option=name), field="variants")
        options = [value or None for value in options]
        if tuple(options) in seen_options:
            raise ValidationError(_("Two variants have the same options."), field="variants")
        seen_options.add(tuple(options))
        if raw.get("price") in (None, ""):
            raise ValidationError(_("Variant %(n)d has no price yet: enter it in rupiah, "
                                    "e.g. 25000.", n=number), field="variants")
        try:
            price, stock = check_price(raw.get("price")), check_stock(raw.get("stock", 0))
        except ValidationError as exc:
            raise _row_error(number, exc) from exc
        cleaned.append({"sku": sku, "option1": options[0], "option2": options[1],
                        "price": price, "stock": stock, "position": position})
    clash = db.session.scalar(
        select(Variant.sku).where(Variant.store_id == store.id, Variant.sku.in_(seen_skus),
                                  Variant.id.not_in(list(own)))
    )
    if clash:
        raise ValidationError(_("The SKU %(sku)s is already used in your store.", sku=clash),
                              field="sku")
    _fill_in_skus(store, title, cleaned, seen_skus)
    return cleaned


def _sku_part(text: str) -> str:
    return slugify(text).upper().replace("-", "")[:12]


def _fill_in_skus(store: Store, title: str, cleaned: list[dict], typed: set[str]) -> None:
    """Give each variant left without a SKU one made from the product's initials and its
    options (Keripik Tempe Sagu, 100 g: KTS-100G), unique in the store."""
    blanks = [values for values in cleaned if not values["sku"]]
    if not blanks:
        return
    base = "".join(word[0] for word in slugify(title).split("-")[:4] if word).upper() or "SKU"
    # Every SKU the store ever used, switched-off variants too: one is never reused by accident.
    taken = typed | set(db.session.scalars(
        select(Variant.sku).where(Variant.store_id == store.id, Variant.sku.like(f"{base}%"))))
    for values in blanks:
        stem = "-".join([base, *(_sku_part(o) for o in (values["option1"], values["option2"])
                                 if o and _sku_part(o))])[:56]
        sku, number = stem, 2
        while sku in taken:
            sku, number = f"{stem}-{number}", number + 1
        taken.add(sku)
        values["sku"] = sku


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
    """Add a product with one or more variants to the actor's own store. A variant is a dict of
    sku (optional: made up when empty), option1/option2, price, stock and optionally `row`, the
    number the vendor sees it under (for messages).

    :raises PermissionDenied: the actor does not own the store.
    :raises ValidationError: a field or variant is invalid.
    """
    _require_owner(actor, store)
    product = Product(store=store)
    _apply_fields(product, title=title, category_id=category_id, weight_grams=weight_grams,
                  description=description, status=status, option1_name=option1_name,
                  option2_name=option2_name, **food)
    option_names = (product.option1_name, product.option2_name)
    for values in _check_variants(store, variants, option_names, product.title):
        product.variants.append(Variant(store_id=store.id, active=True, **values))
    db.session.add(product)
    refresh_listing(product)
    _flush_variants()
    return product


def _flush_variants() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # two variants swapping SKUs in one save, or a racing save
        raise ValidationError(_("Each SKU can be used once in your store."),
                              field="variants") from exc


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
    for key in food:
        if key not in FOOD_FIELDS:
            raise TypeError(f"unknown product field {key}")
    for key, value in check_food_permits(**food).items():
        setattr(product, key, value)
    set_status(product, ProductStatus(status))


def set_status(product: Product, status: ProductStatus) -> None:
    if status == ProductStatus.ACTIVE and product.published_at is None:
        product.published_at = utcnow()
    product.status = status


def set_price_and_stock(actor: User, variant: Variant, price: int, stock: int,
                        seen_stock: int | None = None) -> Variant:
    """Quick edit from the product list. With `seen_stock` (the stock the list showed), a
    stock that moved since (a sale) is refused rather than overwritten.

    :raises PermissionDenied: not the owner of the variant's store.
    :raises ValidationError: price or stock out of range, or the stock moved since.
    """
    _require_owner(actor, variant.product.store)
    if seen_stock is not None:
        _locked_afresh(Variant, Variant.id == variant.id)
        if variant.stock != seen_stock:
            raise ValidationError(_("The stock changed to %(stock)d after you opened this "
                                    "page (a sale). Check it and save again.",
                                    stock=variant.stock), field="seen_stock")
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


# --- the vendor's product pages ---------------------------------------------------------------

MAX_IMAGES = 8
FOOD_FIELDS = ("pirt_number", "pirt_expires_on", "halal_number", "halal_expires_on", "nib")
_PIRT = re.compile(r"^\d{15}$")
_HALAL = re.compile(r"^(ID\d{14,17}|\d{14}|LPPOM-\d{14})$")
_NIB = re.compile(r"^\d{13}$")


def own_product(actor: User, product_id: int, *, lock: bool = False) -> Product:
    """A product of the actor's own store; anyone else's (or none) is not found. `lock` holds
    its row until the transaction ends (PostgreSQL), so a check-then-write cannot interleave
    with another writer.

    :raises NotFound: no such product in the actor's store.
    """
    product = db.session.get(Product, product_id, with_for_update=lock or None) \
        if isinstance(product_id, int) else None
    if product is None or not can(actor, "store.manage", product.store):
        raise NotFound()
    return product


def own_variant(actor: User, variant_id: int) -> Variant:
    """A variant of one of the actor's own products.

    :raises NotFound: no such variant in the actor's store.
    """
    variant = db.session.get(Variant, variant_id) if isinstance(variant_id, int) else None
    if variant is None or not can(actor, "store.manage", variant.product.store):
        raise NotFound()
    return variant


_PIRT_PREFIX = re.compile(r"^\s*(SPP-?)?P-?IRT\s*(NO\.?)?\s*:?\s*", re.IGNORECASE)


def _digits(value, keep: str = "") -> str:
    """Letters and digits only (spaces, dots, dashes and slashes people type are dropped)."""
    return "".join(ch for ch in str(value or "").upper()
                   if ch.isalnum() or ch in keep or ch not in " .-/")


def check_food_permits(pirt_number=None, pirt_expires_on=None, halal_number=None,
                       halal_expires_on=None, nib=None, today: date | None = None) -> dict:
    """Format-check P-IRT (15 digits), halal certificate (BPJPH `ID` + digits or the older
    14-digit MUI number) with its expiry, and NIB (13 digits); all optional.

    :raises ValidationError: a number has the wrong shape, or the halal certificate expired.
    """
    today = today or utcnow().date()
    errors, values = {}, {}
    pirt = _digits(_PIRT_PREFIX.sub("", str(pirt_number or "")))
    if pirt and not _PIRT.match(pirt):
        errors["pirt_number"] = _("A P-IRT number has 15 digits, e.g. 206337401012324.")
    values["pirt_number"] = pirt or None
    values["pirt_expires_on"] = pirt_expires_on if pirt else None
    halal = _digits(halal_number, keep="-")
    if halal and not _HALAL.match(halal):
        errors["halal_number"] = _("Enter the halal certificate number as printed, e.g. "
                                   "ID31110000159150421.")
    if halal and halal_expires_on is None:
        errors["halal_expires_on"] = _("Enter the date the halal certificate expires.")
    elif halal and halal_expires_on < today:
        errors["halal_expires_on"] = _("This halal certificate has expired.")
    if halal_expires_on is not None and not halal:
        errors["halal_number"] = _("Enter the halal certificate number for this expiry date.")
    values["halal_number"] = halal or None
    values["halal_expires_on"] = halal_expires_on if halal else None
    nib = _digits(nib)
    if nib and not _NIB.match(nib):
        errors["nib"] = _("A NIB (business identification number) has 13 digits.")
    values["nib"] = nib or None
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return values


def edit_version(product: Product) -> str:
    """The product as its edit form was filled: it changes with any save and with every sale
    (stock), so a form opened before either cannot put the old figures back."""
    state = [str(product.updated_at)] + sorted(
        f"{v.id}:{v.price}:{v.stock}:{v.active}" for v in product.variants)
    return hashlib.sha256("|".join(state).encode()).hexdigest()[:20]


def _locked_afresh(model, *criteria) -> None:
    """Lock the rows until the transaction ends and read them again into the objects already
    loaded: a sale's stock UPDATE waiting on them lands after this save, and one committed
    before it shows in what the check reads. (The rows must be fetched for that.)"""
    db.session.scalars(select(model).where(*criteria).with_for_update()
                       .execution_options(populate_existing=True)).all()


def _refuse_if_changed(product: Product, version: str) -> None:
    _locked_afresh(Variant, Variant.product_id == product.id)
    _locked_afresh(Product, Product.id == product.id)
    if edit_version(product) == version:
        return
    now = ", ".join(f"{v.label or v.sku}: {v.stock}" for v in product.variants if v.active)
    message = _("This product changed after you opened this page (a sale or another edit). "
                "Stock now: %(stock)s. Check the figures and save again.", stock=now)
    raise ValidationError(message, errors={"version": message})


def update_product(actor: User, product: Product, *, title: str, category_id: int,
                   weight_grams: int, variants: list[dict], description: str = "",
                   status: ProductStatus = ProductStatus.DRAFT, option1_name: str | None = None,
                   option2_name: str | None = None, version: str | None = None,
                   **food) -> Product:
    """Change a product and its variants: rows with an `id` are updated, new rows added, and
    variants left out are switched off (kept for past orders, never deleted). With `version`
    (`edit_version` when the form was filled), a product changed since is refused.

    :raises PermissionDenied: not the owner.
    :raises ValidationError: a field or variant is invalid, or the product changed since.
    """
    _require_owner(actor, product.store)
    if version is not None:
        _refuse_if_changed(product, version)
    _apply_fields(product, title=title, category_id=category_id, weight_grams=weight_grams,
                  description=description, status=status, option1_name=option1_name,
                  option2_name=option2_name, **food)
    cleaned = _check_variants(product.store, variants, (product.option1_name,
                                                        product.option2_name), product.title,
                              product)
    by_id = {v.id: v for v in product.variants}
    claimed = {raw.get("id") for raw in variants if raw.get("id") in by_id}
    # A new row may bring back the SKU of a switched-off variant: reuse that variant.
    by_sku = {v.sku: v for v in product.variants if v.id not in claimed}
    kept = set()
    for raw, values in zip(variants, cleaned, strict=True):
        variant = by_id.get(raw.get("id")) or by_sku.pop(values["sku"], None)
        if variant is None or id(variant) in kept:
            variant = Variant(store_id=product.store_id)
            product.variants.append(variant)
        for key, value in values.items():
            setattr(variant, key, value)
        variant.active = True
        kept.add(id(variant))
    for index, variant in enumerate(product.variants):
        if id(variant) not in kept:
            variant.active = False
            variant.position = MAX_VARIANTS + index
    refresh_listing(product)
    _flush_variants()
    return product


def product_is_referenced(product: Product) -> bool:
    """True when orders or reviews point at the product: it can then only be archived."""
    from marketplace.models import OrderLine, Review

    return any(
        db.session.scalar(select(model.id).where(model.product_id == product.id).limit(1))
        is not None for model in (OrderLine, Review)
    )


def archive_product(actor: User, product: Product) -> Product:
    """Take a product off the shop for good while keeping it for past orders.

    :raises PermissionDenied: not the owner.
    """
    _require_owner(actor, product.store)
    set_status(product, ProductStatus.ARCHIVED)
    db.session.flush()
    return product


def remove_product(actor: User, product: Product) -> bool:
    """Delete a product nobody ordered or reviewed; otherwise archive it. True if deleted.

    :raises PermissionDenied: not the owner.
    """
    _require_owner(actor, product.store)
    if product_is_referenced(product):
        archive_product(actor, product)
        return False
    db.session.delete(product)
    db.session.flush()
    return True


def add_product_image(actor: User, product: Product, data: bytes, alt: str = "") -> ProductImage:
    """Check an upload and add it at the end (at most 8); it shows once its renditions are
    made (`images.accept_upload`).

    :raises PermissionDenied: not the owner.
    :raises ValidationError: too many images, bad alt text, or a refused file.
    """
    _require_owner(actor, product.store)
    if len(product.images) >= MAX_IMAGES:
        raise ValidationError(_("A product can have at most %(n)d photos.", n=MAX_IMAGES),
                              field="image")
    alt = clean_text(alt, 200, "alt", required=False)
    # Read before accepting: accepting a failed photo again makes it pending.
    failed = set(db.session.scalars(select(ProductImage.image_id).join(StoredImage).where(
        ProductImage.product_id == product.id, StoredImage.status == ImageStatus.FAILED)))
    stored = accept_upload(data, field="image")
    again = next((pi for pi in product.images if pi.image_id == stored.id), None)
    if again is not None:
        if stored.id in failed:
            return again  # uploaded again after its renditions failed: they are made again
        raise ValidationError(_("This photo is already on the product."), field="image")
    product_image = ProductImage(image=stored, alt=alt or product.title,
                                 position=len(product.images))
    product.images.append(product_image)
    db.session.flush()
    refresh_listing(product)
    db.session.flush()
    return product_image


def own_product_image(actor: User, product: Product, product_image_id: int) -> ProductImage:
    """One image of the actor's own product.

    :raises NotFound: not an image of this product, or not the actor's product.
    """
    _require_owner_or_404(actor, product)
    for product_image in product.images:
        if product_image.id == product_image_id:
            return product_image
    raise NotFound()


def _require_owner_or_404(actor: User, product: Product) -> None:
    if not can(actor, "store.manage", product.store):
        raise NotFound()


def set_image_alt(actor: User, product_image: ProductImage, alt: str) -> ProductImage:
    """Describe a photo for people using screen readers.

    :raises PermissionDenied: not the owner.
    :raises ValidationError: alt text too long or empty.
    """
    _require_owner(actor, product_image.product.store)
    product_image.alt = clean_text(alt, 200, "alt")
    db.session.flush()
    return product_image


def move_product_image(actor: User, product_image: ProductImage, offset: int) -> None:
    """Move a photo earlier (-1) or later (+1); the first photo is the cover.

    :raises PermissionDenied: not the owner.
    """
    product = product_image.product
    _require_owner(actor, product.store)
    ordered = list(product.images)
    index = ordered.index(product_image)
    target = max(0, min(len(ordered) - 1, index + (1 if offset > 0 else -1)))
    ordered.insert(target, ordered.pop(index))
    _renumber(product, ordered)


def remove_product_image(actor: User, product_image: ProductImage) -> None:
    """Take a photo off a product (its files go when nothing else uses them).

    :raises PermissionDenied: not the owner.
    """
    product = product_image.product
    _require_owner(actor, product.store)
    ordered = [pi for pi in product.images if pi is not product_image]
    product.images.remove(product_image)
    _renumber(product, ordered)


def _renumber(product: Product, ordered: list[ProductImage]) -> None:
    for position, product_image in enumerate(ordered):
        product_image.position = position
    product.images.sort(key=lambda pi: pi.position)
    db.session.flush()
    refresh_listing(product)
    db.session.flush()


def products_of(store: Store, status: str | None = None, query: str | None = None):
    """The store's products for its own list page, newest first (a select statement)."""
    statement = select(Product).where(Product.store_id == store.id)
    if status in {s.value for s in ProductStatus}:
        statement = statement.where(Product.status == ProductStatus(status))
    if query:
        statement = statement.where(Product.title.ilike(f"%{query.strip()[:100]}%"))
    return statement.options(
        selectinload(Product.variants),
        selectinload(Product.images).selectinload(ProductImage.image),
        joinedload(Product.cover_image),
    ).order_by(Product.created_at.desc(), Product.id.desc())


def products_of_store(store: Store, status: str | None, before_id: int | None,
                      limit: int) -> list[Product]:
    """The store's products, highest id first, continuing below `before_id` (keyset
    pagination, like `fulfilment.orders_of_store`)."""
    statement = products_of(store, status).order_by(None).order_by(Product.id.desc())
    if before_id is not None:
        statement = statement.where(Product.id < before_id)
    return list(db.session.scalars(statement.limit(limit)))


def set_prices_and_stock(actor: User, rows: list[dict]) -> int:
    """Price and stock of many variants (dicts of variant_id, price, stock and optionally
    seen_stock): every row is checked by the quick edit's own rules, a stale `seen_stock`
    included, and all are applied or none. Returns the count.

    :raises ValidationError: per row ("rows.3.price": message naming the variant); nothing
        is changed.
    """
    problems: dict[int, dict] = {}
    # In variant order, so two bulk edits sharing variants lock their rows in the same order
    # on PostgreSQL instead of deadlocking.
    for number, row in sorted(enumerate(rows), key=lambda item: item[1]["variant_id"]):
        try:
            variant = own_variant(actor, row["variant_id"])
        except NotFound:
            problems[number] = {"variant_id": _("No such variant in your store.")}
            continue
        try:
            set_price_and_stock(actor, variant, row["price"], row["stock"],
                                row.get("seen_stock"))
        except ValidationError as exc:
            problems[number] = {field: _("Variant %(sku)s: %(problem)s", sku=variant.sku,
                                         problem=message)
                                for field, message in exc.errors.items()}
    if problems:
        raise ValidationError(_("Nothing was changed: fix the rows listed."), errors={
            f"rows.{number}.{field}": message
            for number in sorted(problems) for field, message in problems[number].items()})
    return len(rows)
