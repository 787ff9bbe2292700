"""The ledger: a store's balance is the sum of its entries, never a stored number."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.orders import Order
from marketplace.models.stores import Store, str_enum
from marketplace.models.users import User


class LedgerKind(enum.StrEnum):
    SALE = "sale"
    FEE = "fee"
    REFUND = "refund"
    PAYOUT = "payout"


class Payout(db.Model):
    """A bank transfer of a store's balance, made by staff, with the bank's reference."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"), index=True)
    amount: Mapped[int]
    #: The bank's reference of the transfer: one payout per (store, reference).
    reference: Mapped[str] = mapped_column(String(100))
    #: Sent with the payout form, so the same submit arriving twice records one payout.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    store: Mapped[Store] = relationship()
    actor: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("store_id", "reference", name="uq_payouts_store_id_reference"),
        UniqueConstraint("store_id", "idempotency_key",
                         name="uq_payouts_store_id_idempotency_key"),
    )


class LedgerEntry(db.Model):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id"))
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind))
    #: Signed rupiah: sales are positive; fees, refunds and payouts negative.
    amount: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    store: Mapped[Store] = relationship()
    order: Mapped[Order | None] = relationship()

    __table_args__ = (
        CheckConstraint(
            "(kind = 'sale' AND amount > 0) OR (kind <> 'sale' AND amount < 0)",
            name="sign_matches_kind",
        ),
        Index("ix_ledger_entries_store_created", "store_id", "created_at"),
    )
