"""Payments, refunds and the record of provider webhooks (for idempotency)."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.orders import Checkout, Order, PaymentMethod, PaymentStatus
from marketplace.models.stores import StoredImage, str_enum
from marketplace.models.users import User


class Payment(db.Model):
    """What the buyer pays for one checkout, by one method."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), unique=True)
    method: Mapped[PaymentMethod] = mapped_column(str_enum(PaymentMethod))
    status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus), default=PaymentStatus.PENDING
    )
    amount: Mapped[int]
    #: The provider's id (a Stripe PaymentIntent); a second notice of it is recognised.
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    failure_message: Mapped[str | None] = mapped_column(Text)
    #: Card confirmations the buyer started; part of the idempotency key of the next one.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Rupiah last asked of the card service; money arriving must match it to count as paid.
    requested_amount: Mapped[int | None]
    #: Bank transfer: the buyer's proof of transfer, and who checked it.
    proof_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    proof_uploaded_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]

    checkout: Mapped[Checkout] = relationship()
    proof_image: Mapped[StoredImage | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class Refund(db.Model):
    """Money given back for one order: through Stripe, or recorded as a manual transfer."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    amount: Mapped[int]
    #: Stripe refund id; None for a manual refund.
    provider_ref: Mapped[str | None] = mapped_column(String(255), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()
    payment: Mapped[Payment] = relationship()

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class WebhookEvent(db.Model):
    """Each provider event id is recorded once, in the transaction that acts on it."""

    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    #: The provider's id; for a signed event without a usable one, a hash of its body.
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100))
    #: What we did with it: paid, failed, refunded, mismatch, malformed, ignored, ...
    outcome: Mapped[str | None] = mapped_column(String(20))
    #: Why an event could not be used, for whoever reads the record.
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class PaymentIssueKind(enum.StrEnum):
    #: Money arrived that no order can take (cancelled, expired, or paid twice): give it back.
    UNCLAIMED = "unclaimed"
    #: The amount or currency received is not what the checkout asked for.
    MISMATCH = "mismatch"


class PaymentIssueStatus(enum.StrEnum):
    REFUNDED = "refunded"  # given back automatically
    OPEN = "open"  # waiting for staff
    RESOLVED = "resolved"  # staff handled it


class PaymentIssue(db.Model):
    """Card money that could not simply be booked: refunded, or waiting for staff."""

    __tablename__ = "payment_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True)
    kind: Mapped[PaymentIssueKind] = mapped_column(str_enum(PaymentIssueKind))
    status: Mapped[PaymentIssueStatus] = mapped_column(str_enum(PaymentIssueStatus))
    #: The provider's payment (a Stripe PaymentIntent) the money came with.
    provider_ref: Mapped[str] = mapped_column(String(255))
    #: What arrived, in the provider's minor units and currency, as reported.
    received_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(10))
    #: Rupiah the checkout asked for.
    expected_amount: Mapped[int]
    refund_ref: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    payment: Mapped[Payment] = relationship()
    resolved_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # The same money reported twice (session completed, then intent succeeded) is one issue.
        UniqueConstraint("provider_ref", "kind", name="uq_payment_issues_provider_ref_kind"),
    )
