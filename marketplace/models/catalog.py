"""Catalog: categories, products, their variants (price and stock) and images."""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.stores import Store, StoredImage, str_enum


class ProductStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class NamedInTwoLanguages:
    """A thing with an Indonesian (`name_id`) and an English (`name_en`) name."""

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_id


class Category(NamedInTwoLanguages, db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_id: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)

    parent: Mapped["Category | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Category"]] = relationship(
        back_populates="parent", order_by="Category.position"
    )


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140))
    #: Plain text; line breaks are kept when shown, HTML never rendered.
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProductStatus] = mapped_column(
        str_enum(ProductStatus), default=ProductStatus.DRAFT
    )
    weight_grams: Mapped[int]
    #: Option type names, e.g. "Ukuran" and "Warna"; None for a simple product.
    option1_name: Mapped[str | None] = mapped_column(String(30))
    option2_name: Mapped[str | None] = mapped_column(String(30))
    pirt_number: Mapped[str | None] = mapped_column(String(20))
    pirt_expires_on: Mapped[date | None]
    pirt_verified: Mapped[bool] = mapped_column(default=False)
    halal_number: Mapped[str | None] = mapped_column(String(40))
    halal_expires_on: Mapped[date | None]
    halal_verified: Mapped[bool] = mapped_column(default=False)
    nib: Mapped[str | None] = mapped_column(String(13))
    #: Hidden by staff moderation; the reason is shown to the vendor.
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    # Listing figures kept in step with the variants by the catalog services, so listing,
    # sorting and filtering pages read one row per product instead of joining variants.
    price_min: Mapped[int] = mapped_column(default=0)
    price_max: Mapped[int] = mapped_column(default=0)
    stock_total: Mapped[int] = mapped_column(default=0)
    sold_count: Mapped[int] = mapped_column(default=0)
    rating_sum: Mapped[int] = mapped_column(default=0)
    rating_count: Mapped[int] = mapped_column(default=0)
    #: First image, for cards; kept in step with the image list.
    cover_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]

    store: Mapped[Store] = relationship()
    category: Mapped[Category] = relationship()
    cover_image: Mapped[StoredImage | None] = relationship()
    variants: Mapped[list["Variant"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="Variant.position"
    )
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductImage.position"
    )

    __table_args__ = (
        CheckConstraint("weight_grams > 0", name="weight_positive"),
        CheckConstraint("stock_total >= 0", name="stock_total_positive"),
        Index("ix_products_listing", "status", "hidden", "created_at"),
        # The other orders of a listing (search.service.SORT): over all products and within
        # one category, whose cheapest or best-selling products may be far down the former.
        Index("ix_products_by_price", "status", "hidden", "price_min"),
        Index("ix_products_by_sales", "status", "hidden", "sold_count"),
        Index("ix_products_category_price", "category_id", "price_min"),
        Index("ix_products_category_sales", "category_id", "sold_count"),
    )

    @property
    def path_slug(self) -> str:
        return f"{self.id}-{self.slug}"

    @property
    def is_public(self) -> bool:
        """Buyers may open its page (the same test as search.service.public_products)."""
        return (self.status == ProductStatus.ACTIVE and not self.hidden
                and self.store.is_public)


class Variant(db.Model):
    """What is actually sold: price and stock live here (as on an Oscar stock record)."""

    __tablename__ = "variants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    #: Unique within the store; duplicates are refused (also in CSV uploads).
    sku: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    option1: Mapped[str | None] = mapped_column(String(40))
    option2: Mapped[str | None] = mapped_column(String(40))
    price: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")

    __table_args__ = (
        CheckConstraint("price >= 100 AND price <= 1000000000", name="price_range"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        UniqueConstraint("store_id", "sku"),
        Index("ix_variants_product_id", "product_id"),
    )

    @property
    def label(self) -> str:
        return " / ".join(o for o in (self.option1, self.option2) if o)


class ProductImage(db.Model):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    position: Mapped[int] = mapped_column(default=0)
    alt: Mapped[str] = mapped_column(String(200), default="")

    product: Mapped[Product] = relationship(back_populates="images")
    image: Mapped[StoredImage] = relationship()

    __table_args__ = (Index("ix_product_images_product_id", "product_id", "position"),)
