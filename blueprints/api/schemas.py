"""The API's shapes (pydantic): requests are refused on unknown fields, responses carry exactly
what is declared. Money is integer rupiah; times are ISO 8601 UTC.

Operations name these models (`operation(..., response="Product")`): this module, and pydantic,
are imported by the first API request, never by a worker that serves only pages."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.search.service import MAX_PAGE
from marketplace.search.words import MAX_QUERY_CHARS
from marketplace.services import programme
from marketplace.services.catalog import MAX_VARIANTS
from marketplace.validation import MAX_INT

Rupiah = Field(ge=0, le=MAX_INT, description="Whole rupiah")


class Shape(BaseModel):
    """A response: built from our own dicts, so an undeclared field is a bug, not a leak."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class Input(BaseModel):
    """A request: unknown fields are refused and listed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


# --- public catalogue -------------------------------------------------------------------------

class Category(Shape):
    slug: str
    name_id: str
    name_en: str
    parent: str | None
    url: str


class CategoryList(Shape):
    items: list[Category]


class StoreSummary(Shape):
    slug: str
    name: str
    province_code: str
    province: str
    regency: str
    url: str


class Store(StoreSummary):
    story: str
    whatsapp: str | None
    logo: str | None
    verified_at: str | None = Field(description="ISO 8601, UTC")


class ProductSummary(Shape):
    id: int
    title: str
    url: str
    price_min: int = Field(description="Whole rupiah")
    price_max: int = Field(description="Whole rupiah")
    in_stock: bool
    sold: int
    rating: float | None
    rating_count: int
    image: str | None
    store: StoreSummary


class PublicVariant(Shape):
    id: int
    sku: str
    options: list[str]
    price: int = Field(description="Whole rupiah")
    in_stock: bool
    stock: int


class Image(Shape):
    url: str | None
    alt: str


class FoodPermits(Shape):
    pirt: str | None
    halal: str | None
    halal_expires_on: str | None


class Product(ProductSummary):
    description: str
    weight_grams: int
    category: str
    options: list[str]
    variants: list[PublicVariant]
    images: list[Image]
    food_permits: FoodPermits


class ProductPage(Shape):
    items: list[ProductSummary]
    total: int
    page: int
    pages: int
    notices: list[str]


class ProductSearch(Input):
    """The parameters of /search, checked: a bad value is a 400, not a silent default."""

    q: str | None = Field(None, max_length=MAX_QUERY_CHARS,
                          description="Words (Indonesian stemming, prefix and typo tolerant)")
    category: str | None = Field(None, max_length=120, description="Category slug")
    province: str | None = Field(None, pattern=r"^\d{2}$",
                                 description="Province code (Kemendagri)")
    min_price: int | None = Field(None, ge=0, le=MAX_INT, description="Lowest price, rupiah")
    max_price: int | None = Field(None, ge=0, le=MAX_INT, description="Highest price, rupiah")
    in_stock: Literal["1"] | None = Field(None, description="Only products in stock")
    sort: Literal["relevance", "newest", "price_asc", "price_desc", "best_selling"] | None = \
        Field(None, description="Order of results")
    page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1")


# --- a store's own catalogue (store:write) ----------------------------------------------------

Cursor = Field(None, ge=1, le=MAX_INT, description="`next_cursor` of the previous page (the "
                                                   "page continues below this id)")
Limit = Field(50, ge=1, le=200, description="Items per page")


class StoreChoice(Shape):
    id: int = Field(description="The value for the Acting-Store header")
    name: str
    slug: str
    own: bool = Field(description="Her own store (no header needed)")


class StoreChoices(Shape):
    items: list[StoreChoice]


class VendorVariant(Shape):
    id: int
    sku: str
    option1: str | None
    option2: str | None
    price: int = Field(description="Whole rupiah")
    stock: int
    active: bool


class Rendition(Shape):
    width: int = Field(description="Real width in pixels")
    url: str


class VendorImage(Shape):
    id: int
    position: int = Field(description="0 is the cover photo")
    alt: str
    url: str = Field(description="The rendition about 640 px wide (WebP)")
    renditions: list[Rendition] = Field(description="Every size stored, smallest first")
    status: Literal["pending", "ready", "failed"] = Field(
        description="The renditions are made in the background: the URLs answer once `ready`; "
                    "`failed` means upload the photo again")


ProductStatusName = Literal["draft", "active", "archived"]


class VendorProduct(Shape):
    id: int
    title: str
    status: ProductStatusName
    category_id: int
    weight_grams: int
    description: str
    option1_name: str | None
    option2_name: str | None
    hidden: bool
    variants: list[VendorVariant]
    image_count: int
    images: list[VendorImage]
    pirt_number: str | None
    pirt_expires_on: date | None
    halal_number: str | None
    halal_expires_on: date | None
    nib: str | None
    updated_at: str = Field(description="ISO 8601, UTC")


class VendorProductPage(Shape):
    items: list[VendorProduct]
    next_cursor: int | None = Field(description="Pass as `cursor` for the next page; null at "
                                                "the end")


class VendorProductQuery(Input):
    status: Literal["draft", "active", "archived"] | None = Field(None, description="Only this "
                                                                                    "status")
    cursor: int | None = Cursor
    limit: int = Limit


class NewVariant(Input):
    sku: str | None = Field(None, max_length=120, description="Unique in the store (stored "
                            "upper-case); left out, one is made from the title and options "
                            "(an existing variant keeps its own)")
    option1: str | None = Field(None, max_length=120, description="Value of the first option "
                                                                  "type, e.g. XL")
    option2: str | None = Field(None, max_length=120, description="Value of the second option "
                                                                  "type, e.g. Merah")
    price: int = Field(ge=0, le=MAX_INT, description="Whole rupiah (Rp100 to Rp1.000.000.000)")
    stock: int = Field(0, ge=0, le=MAX_INT, description="0 to 1,000,000")


class VariantChange(NewVariant):
    id: int | None = Field(None, ge=1, le=MAX_INT, description="An existing variant to change; "
                                                               "leave out for a new one")


class ProductFields(Input):
    """What the vendor's product form holds; the marketplace's rules (lengths, price range,
    unique SKUs, permits) are checked by the same service as the form, answered 422."""

    title: str = Field(max_length=500)
    description: str = Field("", max_length=20000)
    category_id: int = Field(ge=1, le=MAX_INT, description="A category id (GET /categories)")
    weight_grams: int = Field(ge=0, le=MAX_INT, description="With packaging, 1 to 100000")
    status: ProductStatusName = Field("draft", description="draft: only you see it")
    option1_name: str | None = Field(None, max_length=120, description="e.g. Ukuran")
    option2_name: str | None = Field(None, max_length=120, description="e.g. Warna")
    pirt_number: str | None = Field(None, max_length=120, description="P-IRT, 15 digits")
    pirt_expires_on: date | None = None
    halal_number: str | None = Field(None, max_length=120)
    halal_expires_on: date | None = None
    nib: str | None = Field(None, max_length=120, description="13 digits")


class NewProduct(ProductFields):
    variants: list[NewVariant] = Field(min_length=1, max_length=MAX_VARIANTS)


class ProductChange(Input):
    """Only the fields sent change (null clears an optional one). `variants`, when sent, is
    the whole list: rows with an `id` change that variant, rows without one are added, and
    variants left out are switched off (kept for past orders)."""

    title: str = Field(None, max_length=500)
    description: str = Field(None, max_length=20000)
    category_id: int = Field(None, ge=1, le=MAX_INT)
    weight_grams: int = Field(None, ge=0, le=MAX_INT)
    status: ProductStatusName = None
    option1_name: str | None = Field(None, max_length=120)
    option2_name: str | None = Field(None, max_length=120)
    pirt_number: str | None = Field(None, max_length=120)
    pirt_expires_on: date | None = None
    halal_number: str | None = Field(None, max_length=120)
    halal_expires_on: date | None = None
    nib: str | None = Field(None, max_length=120)
    variants: list[VariantChange] = Field(None, min_length=1, max_length=MAX_VARIANTS)


class PriceStockRow(Input):
    variant_id: int = Field(ge=1, le=MAX_INT)
    price: int = Field(ge=0, le=MAX_INT, description="Whole rupiah (Rp100 to Rp1.000.000.000)")
    stock: int = Field(ge=0, le=MAX_INT, description="0 to 1,000,000")
    seen_stock: int | None = Field(None, ge=0, le=MAX_INT, description=(
        "The variant's stock when you last read it (GET /vendor/products). If a sale or "
        "another edit has changed it since, the row is refused (422, `rows.N.seen_stock`, "
        "naming the variant) and nothing in the request changes: read again and resend. Left "
        "out, the stock is set whatever it is now."))


class PriceStockUpdate(Input):
    """All rows are applied, or none: any bad row is reported and nothing changes. Send each
    row's `seen_stock` so a sale made since you read the stock is not overwritten."""

    rows: list[PriceStockRow] = Field(min_length=1, max_length=500)


class PriceStockResult(Shape):
    updated: int


# --- a store's orders (orders:write) ----------------------------------------------------------

OrderStatusName = Literal["awaiting_payment", "new", "processing", "shipped", "delivered",
                          "completed", "cancelled"]


class VendorOrder(Shape):
    reference: str
    status: OrderStatusName
    payment_method: str
    payment_status: str
    shipping_method: str
    subtotal: int = Field(description="Whole rupiah")
    shipping_fee: int = Field(description="Whole rupiah")
    total: int = Field(description="Whole rupiah")
    units: int
    courier: str | None
    tracking_number: str | None
    cancel_reason: str | None
    created_at: str = Field(description="ISO 8601, UTC")


class VendorOrderPage(Shape):
    items: list[VendorOrder]
    next_cursor: int | None


class VendorOrderQuery(Input):
    status: OrderStatusName | None = Field(None, description="Only orders in this status")
    cursor: int | None = Cursor
    limit: int = Limit


class Shipment(Input):
    courier: str | None = Field(None, max_length=60, description="e.g. JNE, J&T, SiCepat")
    tracking_number: str | None = Field(None, max_length=60, description="Nomor resi")


class Cancellation(Input):
    reason: str = Field(min_length=1, max_length=500)


# --- the ministry (programme:read, roster:write) ----------------------------------------------

ProvinceCode = Field("", pattern=r"^(\d{2})?$", description="Two-digit province code; empty: all")


class FiguresQuery(Input):
    province: str = ProvinceCode


class MonthFigures(Shape):
    month: str = Field(description="YYYY-MM (Asia/Jakarta)")
    new_stores: int
    gmv: int
    orders: int
    buyers: int
    stores_above_line: int
    graduated_stores: int = Field(description="Cumulative")


class ProvinceFigures(Shape):
    province_code: str
    verified_stores: int
    gmv: int
    orders: int
    buyers: int
    graduated_stores: int


class CategoryFigures(Shape):
    category: str = Field(description="Category slug")
    units: int
    gmv: int


class ProgrammeFigures(Shape):
    province_code: str
    stores: dict[str, int] = Field(description="Stores by status, and `active` (sold in the "
                                               "last three months)")
    totals: dict[str, int]
    graduated_stores: int
    by_month: list[MonthFigures]
    by_province: list[ProvinceFigures]
    by_category: list[CategoryFigures]


class StoreSyncQuery(Input):
    updated_since: datetime | None = Field(None, description="ISO 8601; stores changed since")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the last page")
    limit: int = Field(100, ge=1, le=500)


class PersonalData(Shape):
    owner_name: str
    owner_email: str | None
    whatsapp: str
    household_name: str | None


class MinistryStore(Shape):
    id: int
    slug: str
    name: str
    province_code: str
    regency: str
    status: str
    participant_code: str | None
    verified_at: str | None
    pkh_graduate_verified: bool = Field(description="The owner's NIK matched the PKH roster")
    pkh_graduated_on: str | None
    graduated_in: str | None = Field(description="YYYY-MM the store reached the income line "
                                                 "for 3 months (UMP), or null")
    updated_at: str
    personal: PersonalData | None = Field(None, description="Only with scope personal:read")


class MinistryStorePage(Shape):
    items: list[MinistryStore]
    next_cursor: str | None = Field(description="Pass back as cursor; null: up to date")


class SalesQuery(Input):
    province: str = ProvinceCode
    since_month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                                    description="YYYY-MM")


class MonthlySales(Shape):
    month: str
    province_code: str
    stores_selling: int
    orders: int
    gmv: int
    net_sales: int


class SalesList(Shape):
    items: list[MonthlySales]


class TrainingMonth(Shape):
    month: str
    province_code: str
    trainings: int
    attendances: int


class TrainingFigures(Shape):
    by_month: list[TrainingMonth]
    outcomes: list[programme.OutcomeRow]  # the staff page's table, one definition


class RosterRow(Input):
    nik: str = Field(max_length=40, description="NIK of the head of household (16 digits)")
    name: str = Field(max_length=200)
    province_code: str = Field(max_length=2)
    regency: str = Field(max_length=200)
    graduated_on: str = Field(max_length=10, description="YYYY-MM-DD")


class RosterUpload(Input):
    households: list[RosterRow] = Field(min_length=1, max_length=programme.MAX_ROWS)


class RosterResult(Shape):
    rows: int
    created: int
    updated: int
    unchanged: int
