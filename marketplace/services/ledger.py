"""The ledger: money owed to stores, as entries; a balance is always a sum, never stored."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import LedgerEntry, LedgerKind, Order, Store
from marketplace.services import audit


def platform_fee(order: Order) -> int:
    """The platform's fee on an order, rounded down to whole rupiah (integer arithmetic)."""
    return order.total * order.store.fee_rate_bp // 10_000


def record_sale(order: Order) -> bool:
    """Credit the store when the order's money is in (payment, or COD cash received); once.

    Returns False if this order's sale was already recorded.
    """
    exists = db.session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.order_id == order.id,
                                     LedgerEntry.kind == LedgerKind.SALE)
    )
    if exists is not None:
        return False
    entries = [LedgerEntry(store_id=order.store_id, order_id=order.id, kind=LedgerKind.SALE,
                           amount=order.total, note=order.reference)]
    fee = platform_fee(order)
    if fee > 0:
        entries.append(LedgerEntry(store_id=order.store_id, order_id=order.id,
                                   kind=LedgerKind.FEE, amount=-fee, note=order.reference))
    db.session.add_all(entries)
    audit.record(None, "ledger.sale", order, after={"store_id": order.store_id,
                                                   "sale": order.total, "fee": fee})
    db.session.flush()
    return True


def balance(store: Store) -> int:
    """What the marketplace owes the store now: the sum of its ledger entries."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.store_id == store.id)
    )
