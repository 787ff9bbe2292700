"""Carts, checkouts and orders: one checkout (one payment) splits into one order per store."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.catalog import Product, Variant
from marketplace.models.stores import Store, str_enum
from marketplace.models.users import User


class OrderStatus(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    NEW = "new"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        """The status in the reader's language (buyers, sellers and staff read the same words)."""
        return _ORDER_STATUS_LABELS[self]


class PaymentMethod(enum.StrEnum):
    STRIPE = "stripe"
    BANK_TRANSFER = "bank_transfer"
    COD = "cod"

    @property
    def label(self) -> str:
        """The method in the reader's language."""
        return _PAYMENT_METHOD_LABELS[self]


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"

    @property
    def label(self) -> str:
        """The payment status in the reader's language (never the words of an order status)."""
        return _PAYMENT_STATUS_LABELS[self]


class ShippingMethod(enum.StrEnum):
    SELF_DELIVERY = "self_delivery"
    PICKUP = "pickup"
    COURIER = "courier"

    @property
    def label(self) -> str:
        """The delivery method in the reader's language."""
        return _SHIPPING_METHOD_LABELS[self]


# Labels are lazy: each is translated when shown, in the language of whoever reads it.
_ORDER_STATUS_LABELS = {
    OrderStatus.AWAITING_PAYMENT: _l("Awaiting payment"), OrderStatus.NEW: _l("New order"),
    OrderStatus.PROCESSING: _l("Processing"), OrderStatus.SHIPPED: _l("Shipped"),
    OrderStatus.DELIVERED: _l("Delivered"), OrderStatus.COMPLETED: _l("Completed"),
    OrderStatus.CANCELLED: _l("Cancelled"),
}
_PAYMENT_METHOD_LABELS = {
    PaymentMethod.STRIPE: _l("Card (Visa, Mastercard)"),
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.COD: _l("Cash on delivery (COD)"),
}
_PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Not paid yet"), PaymentStatus.PAID: _l("Paid"),
    PaymentStatus.FAILED: _l("Payment failed"),
    PaymentStatus.PARTIALLY_REFUNDED: _l("Partly refunded"),
    PaymentStatus.REFUNDED: _l("Refunded"),
}
_SHIPPING_METHOD_LABELS = {
    ShippingMethod.SELF_DELIVERY: _l("Delivered by the seller"),
    ShippingMethod.PICKUP: _l("Pick up at the store"),
    ShippingMethod.COURIER: _l("Courier"),
}


class Cart(db.Model):
    """A guest's cart is found by its session token; a buyer's by user id."""

    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lines: Mapped[list["CartLine"]] = relationship(
        back_populates="cart", cascade="all, delete-orphan", order_by="CartLine.id"
    )


class CartLine(db.Model):
    __tablename__ = "cart_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    quantity: Mapped[int]
    #: The price when added, so a change before paying can be pointed out.
    price_seen: Mapped[int]
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines")
    variant: Mapped[Variant] = relationship()

    __table_args__ = (
        UniqueConstraint("cart_id", "variant_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class Checkout(db.Model):
    """One buyer payment over one or more store orders, with the shipping address snapshot."""

    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public, non-guessable reference used in URLs and on payment instructions.
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    total: Mapped[int]
    recipient: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(2))
    regency: Mapped[str] = mapped_column(String(120))
    district: Mapped[str] = mapped_column(String(120))
    street: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buyer: Mapped[User] = relationship()
    orders: Mapped[list["Order"]] = relationship(back_populates="checkout", order_by="Order.id")

    __table_args__ = (CheckConstraint("total > 0", name="total_positive"),)


class Order(db.Model):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Public, non-guessable reference (the row id never appears in URLs).
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    payment_method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    #: Separate from status: cash on delivery ships before it is paid.
    payment_status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.PENDING
    )
    subtotal: Mapped[int]
    shipping_method: Mapped[ShippingMethod] = mapped_column(str_enum(ShippingMethod))
    shipping_fee: Mapped[int] = mapped_column(default=0)
    total: Mapped[int]
    refunded_amount: Mapped[int] = mapped_column(default=0)
    #: Units over all lines, set when the order is inserted (the sales dashboard sums it).
    units: Mapped[int] = mapped_column(default=0)
    note_to_seller: Mapped[str | None] = mapped_column(Text)
    courier: Mapped[str | None] = mapped_column(String(60))
    #: Nomor resi from the courier.
    tracking_number: Mapped[str | None] = mapped_column(String(60))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    #: Set when reserved stock went back to the shelves, so it happens exactly once.
    stock_released_at: Mapped[datetime | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    store: Mapped[Store] = relationship()
    buyer: Mapped[User] = relationship()
    lines: Mapped[list["OrderLine"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list["OrderEvent"]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )

    @property
    def payment_label(self) -> str:
        """The payment as buyer and seller read it: a COD order not paid yet is paid at the door
        ("Bayar di tempat"), not a payment anyone waits for online."""
        if (self.payment_method == PaymentMethod.COD
                and self.payment_status == PaymentStatus.PENDING):
            return _l("Pay on delivery")
        return self.payment_status.label

    __table_args__ = (
        CheckConstraint("subtotal > 0", name="subtotal_positive"),
        CheckConstraint("shipping_fee >= 0", name="shipping_fee_not_negative"),
        CheckConstraint("total = subtotal + shipping_fee", name="total_is_sum"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total", name="refund_within_total"
        ),
        Index("ix_orders_store_status", "store_id", "status", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
    )


class OrderLine(db.Model):
    """A snapshot of what was bought: survives later edits or removal of the product."""

    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.id", ondelete="SET NULL"), index=True
    )
    variant_id: Mapped[int | None] = mapped_column(ForeignKey("variants.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    variant_label: Mapped[str] = mapped_column(String(90), default="")
    sku: Mapped[str] = mapped_column(String(64))
    store_name: Mapped[str] = mapped_column(String(80))
    unit_price: Mapped[int]
    quantity: Mapped[int]
    line_total: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product | None] = relationship()
    variant: Mapped[Variant | None] = relationship()

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price > 0", name="unit_price_positive"),
        CheckConstraint("line_total = unit_price * quantity", name="line_total_is_product"),
    )


class OrderEvent(db.Model):
    """One row per status change: who, when, from, to, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    #: None when the system acted (payment webhook, expiry, auto-complete).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[OrderStatus | None] = mapped_column(str_enum(OrderStatus))
    to_status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


# --- fulfilment (issue 6) ---------------------------------------------------------------------

class RefundRequestStatus(enum.StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    #: The buyer disagreed with a rejection; staff decide (accepted or rejected).
    DISPUTED = "disputed"

    @property
    def label(self) -> str:
        """Where the request stands, in the reader's language."""
        return _REFUND_REQUEST_LABELS[self]


_REFUND_REQUEST_LABELS = {
    RefundRequestStatus.OPEN: _l("Waiting for the seller"),
    RefundRequestStatus.ACCEPTED: _l("Accepted"),
    RefundRequestStatus.REJECTED: _l("Rejected"),
    RefundRequestStatus.DISPUTED: _l("Disputed: staff will decide"),
}


class RefundRequest(db.Model):
    """A buyer's request for money back on one order; the vendor decides, or staff in a dispute."""

    __tablename__ = "refund_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Rupiah asked for; at most what is still refundable on the order when asked.
    amount: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[RefundRequestStatus] = mapped_column(
        str_enum(RefundRequestStatus), default=RefundRequestStatus.OPEN, index=True
    )
    #: The vendor's answer (why it was rejected, or a note on acceptance).
    vendor_note: Mapped[str | None] = mapped_column(Text)
    #: Why the buyer disputes the vendor's rejection.
    dispute_note: Mapped[str | None] = mapped_column(Text)
    #: Staff's reasoning when they decide a dispute.
    staff_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    buyer: Mapped[User] = relationship(foreign_keys=[buyer_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


#: The sales dashboard aggregates one store's orders over a date range: covering indexes, so
#: the sums are read from the index alone, without visiting the rows.
Index("ix_orders_store_created", Order.store_id, Order.created_at, Order.status, Order.total,
      Order.refunded_amount, Order.units, Order.buyer_id)
Index("ix_order_lines_sales", OrderLine.order_id, OrderLine.product_id, OrderLine.quantity,
      OrderLine.line_total)


@event.listens_for(Order, "before_insert")
def _count_units(_mapper, _connection, order: Order) -> None:
    order.units = sum(line.quantity for line in order.lines)
