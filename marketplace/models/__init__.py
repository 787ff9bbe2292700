"""All models, imported here so Alembic and the app see one complete metadata."""

from marketplace.models.api import ApiToken, ApiTokenKind, IdempotentRequest
from marketplace.models.catalog import Category, Product, ProductImage, ProductStatus, Variant
from marketplace.models.exchange import (
    DeliveryStatus,
    EventDelivery,
    EventSubscription,
    OutboundEvent,
    RosterHousehold,
    RosterImport,
)
from marketplace.models.ledger import LedgerEntry, LedgerKind, Payout
from marketplace.models.orders import (
    Cart,
    CartLine,
    Checkout,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    RefundRequest,
    RefundRequestStatus,
    ShippingMethod,
)
from marketplace.models.payments import (
    Payment,
    PaymentIssue,
    PaymentIssueKind,
    PaymentIssueStatus,
    Refund,
    WebhookEvent,
)
from marketplace.models.reviews import Review
from marketplace.models.search import SynonymGroup
from marketplace.models.staff import (
    AuditEvent,
    FeaturedSlot,
    IncomeThreshold,
    MonthlyCategorySales,
    MonthlyProvinceSales,
    MonthlyStoreSales,
    ProgrammeBuyers,
    Report,
    ReportStatus,
    SummaryRefresh,
)
from marketplace.models.stores import (
    CourierRate,
    ImageStatus,
    Store,
    StoredImage,
    StoreStatus,
)
from marketplace.models.tasks import BackgroundTask
from marketplace.models.users import Address, OutboxMessage, User

__all__ = [
    "ApiToken", "ApiTokenKind", "IdempotentRequest",
    "DeliveryStatus", "EventDelivery", "EventSubscription", "OutboundEvent", "RosterHousehold",
    "RosterImport",
    "Address", "AuditEvent", "Cart", "CartLine", "Category", "Checkout", "CourierRate",
    "FeaturedSlot", "IncomeThreshold", "LedgerEntry", "LedgerKind", "Order", "OrderEvent",
    "OrderLine", "OrderStatus", "OutboxMessage", "Payment", "PaymentIssue", "PaymentIssueKind",
    "PaymentIssueStatus", "PaymentMethod", "PaymentStatus",
    "Payout", "Product", "ProductImage", "ProductStatus", "Refund", "RefundRequest",
    "RefundRequestStatus", "Report", "ReportStatus",
    "Review", "ShippingMethod", "MonthlyCategorySales", "MonthlyProvinceSales",
    "MonthlyStoreSales",
    "ImageStatus", "ProgrammeBuyers", "SummaryRefresh", "Store", "StoreStatus", "StoredImage",
    "User", "Variant",
    "SynonymGroup", "WebhookEvent", "BackgroundTask",
]
