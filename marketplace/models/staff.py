"""Ministry staff tools: featured slots, reports, income thresholds and the audit log."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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
    #: The API token the action came through, by name ("API: Aplikasi kasir"); None on the web.
    via: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)


# --- programme summaries (issue 7) -----------------------------------------------------------
# Materialised by `flask programme refresh` (and the dashboard's refresh button) so the
# programme dashboard reads a few thousand summary rows instead of every order.


class MonthlyStoreSales(db.Model):
    """One store's figures for one calendar month (Asia/Jakarta)."""

    __tablename__ = "monthly_store_sales"

    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"),
                                          primary_key=True)
    #: The first day of the month.
    month: Mapped[date] = mapped_column(primary_key=True)
    #: Months since January 2000 (month arithmetic without dialect-specific date functions).
    month_index: Mapped[int]
    province_code: Mapped[str] = mapped_column(String(2))
    #: Placed orders, not cancelled and not left unpaid, by the month they were placed.
    orders: Mapped[int] = mapped_column(default=0)
    #: Gross merchandise value of those orders (their totals, rupiah).
    gmv: Mapped[int] = mapped_column(default=0)
    #: Distinct buyers of those orders in the month.
    buyers: Mapped[int] = mapped_column(default=0)
    #: Sales minus platform fees and refunds from the ledger, by the month money moved.
    net_sales: Mapped[int] = mapped_column(default=0)
    # The income line in force for this store and month (regency line before province line),
    # and how many consecutive months up to this one net sales reached it (0: below, no line).
    line_ump: Mapped[int | None]
    line_umk: Mapped[int | None]
    line_poverty_line: Mapped[int | None]
    streak_ump: Mapped[int] = mapped_column(default=0)
    streak_umk: Mapped[int] = mapped_column(default=0)
    streak_poverty_line: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        # Covering indexes: the dashboard's counts read the index alone, never the rows.
        Index("ix_monthly_store_sales_month", "month", "province_code", "orders", "store_id"),
        Index("ix_monthly_store_sales_streak_ump", "streak_ump", "month_index", "store_id",
              "province_code"),
        Index("ix_monthly_store_sales_streak_umk", "streak_umk", "month_index", "store_id",
              "province_code"),
        Index("ix_monthly_store_sales_streak_poverty_line", "streak_poverty_line",
              "month_index", "store_id", "province_code"),
        CheckConstraint("orders >= 0 AND gmv >= 0 AND buyers >= 0", name="counts_not_negative"),
    )


class MonthlyProvinceSales(db.Model):
    """The store-month summary rolled up per province and month (the dashboard's tables)."""

    __tablename__ = "monthly_province_sales"

    month: Mapped[date] = mapped_column(primary_key=True)
    province_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    month_index: Mapped[int] = mapped_column(index=True)
    #: Stores with at least one counted order in the month.
    stores_selling: Mapped[int] = mapped_column(default=0)
    orders: Mapped[int] = mapped_column(default=0)
    gmv: Mapped[int] = mapped_column(default=0)
    net_sales: Mapped[int] = mapped_column(default=0)
    #: Stores whose net sales reached each kind of income line in the month.
    above_ump: Mapped[int] = mapped_column(default=0)
    above_umk: Mapped[int] = mapped_column(default=0)
    above_poverty_line: Mapped[int] = mapped_column(default=0)


class MonthlyCategorySales(db.Model):
    """Units and value sold per top-level category, province and month."""

    __tablename__ = "monthly_category_sales"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date]
    province_code: Mapped[str] = mapped_column(String(2))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    units: Mapped[int] = mapped_column(default=0)
    gmv: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_monthly_category_sales_month", "month", "province_code"),)


class ProgrammeBuyers(db.Model):
    """Distinct buyers per province and month; None means all provinces / all months."""

    __tablename__ = "programme_buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    province_code: Mapped[str | None] = mapped_column(String(2))
    month: Mapped[date | None]
    buyers: Mapped[int]

    __table_args__ = (Index("ix_programme_buyers_place", "province_code", "month"),)


class SummaryRefresh(db.Model):
    """When the programme summaries were last rebuilt, by whom, and how long it took."""

    __tablename__ = "summary_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None when run from the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rows: Mapped[int]
    duration_ms: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# --- the audit log is append-only --------------------------------------------------------------

class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or remove an audit row through the ORM."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_audit_update(_mapper, _connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_audit_delete(_mapper, _connection, target) -> None:
    raise AuditLogIsAppendOnly(f"audit event {target.id} cannot be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_changes(state) -> None:
    # Bulk `update(AuditEvent)` / `delete(AuditEvent)` skip the mapper events above.
    if (state.is_update or state.is_delete) and any(
        getattr(m, "class_", None) is AuditEvent for m in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")
