"""Data exchange with ministry systems: the PKH graduate roster and signed outbound events."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.stores import Store, str_enum
from marketplace.models.users import User


class RosterHousehold(db.Model):
    """A PKH graduate household from the ministry's roster; its NIK is kept only as a keyed hash."""

    __tablename__ = "roster_households"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: HMAC-SHA256 (hex) of the head of household's NIK under NIK_HASH_KEY; never the NIK.
    nik_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency: Mapped[str] = mapped_column(String(120))
    graduated_on: Mapped[date]
    #: The store whose owner entered this NIK: staff see it as "lulusan PKH terverifikasi".
    #: One store per household.
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.id"), unique=True)
    matched_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    store: Mapped[Store | None] = relationship(
        backref=backref("pkh_household", uselist=False))


class RosterImport(db.Model):
    """One accepted roster upload and what it changed (a rejected upload writes nothing)."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who sent it: "web" (staff page) or "api" (a token's name).
    source: Mapped[str] = mapped_column(String(120))
    rows: Mapped[int]
    created: Mapped[int]
    updated: Mapped[int]
    unchanged: Mapped[int]
    duration_ms: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()

    @property
    def rows_per_second(self) -> int:
        return self.rows * 1000 // self.duration_ms if self.duration_ms else self.rows


class EventSubscription(db.Model):
    """A ministry system's endpoint receiving signed events of the kinds it chose."""

    __tablename__ = "event_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))
    #: Shared secret the receiver checks the signature with (shown to staff once, when set).
    secret: Mapped[str] = mapped_column(String(200))
    #: Comma-separated event kinds, e.g. "store.verified,order.completed".
    kinds: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def kind_list(self) -> list[str]:
        return [k for k in self.kinds.split(",") if k]


class OutboundEvent(db.Model):
    """Something ministry systems may want to know, recorded once in the change's transaction."""

    __tablename__ = "outbound_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    #: Identifies the fact (e.g. "store.graduated:12"): the same fact is never sent twice.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class EventDelivery(db.Model):
    """One event for one subscription: its attempts, last answer and state (the delivery log)."""

    __tablename__ = "event_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("outbound_events.id"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("event_subscriptions.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus),
                                                   default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    #: The receiver's HTTP status on the last attempt (None: no answer).
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[OutboundEvent] = relationship()
    subscription: Mapped[EventSubscription] = relationship()

    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_event_deliveries_status", "status", "created_at"),
    )
