"""Ministry staff tools: featured slots, reports, income thresholds and the audit log."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.stores import Store, str_enum
from marketplace.models.users import User


class FeaturedSlot(db.Model):
    """A verified store shown on the home page at a position for a time window."""

    __tablename__ = "featured_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    position: Mapped[int]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    store: Mapped[Store] = relationship()
    created_by: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="window_ordered"),
        CheckConstraint("position >= 1", name="position_positive"),
        Index("ix_featured_slots_window", "starts_at", "ends_at"),
    )


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    ACTIONED = "actioned"
    DISMISSED = "dismissed"


class Report(db.Model):
    """A buyer's report of a product, store or review."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "product", "store" or "review".
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(str_enum(ReportStatus), default=ReportStatus.OPEN)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])

    __table_args__ = (Index("ix_reports_subject", "subject_type", "subject_id", "status"),)


class IncomeThreshold(db.Model):
    """A monthly income line (UMP/UMK, poverty line) for a province or regency, over time."""

    __tablename__ = "income_thresholds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "ump", "umk" or "poverty_line".
    kind: Mapped[str] = mapped_column(String(20))
    province_code: Mapped[str] = mapped_column(String(2))
    #: None for a province-wide line; a regency line takes precedence where set.
    regency: Mapped[str | None] = mapped_column(String(120))
    amount: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "effective_to IS NULL OR effective_to > effective_from", name="dates_ordered"
        ),
        Index("ix_income_thresholds_place", "kind", "province_code", "regency"),
    )


class AuditEvent(db.Model):
    """Append-only record of staff actions and money movements."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int | None]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)
