"""The ledger: money owed to stores, as entries; a balance is always a sum, never stored."""

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.models import LedgerEntry, LedgerKind, Order, Payout, Store, User
from marketplace.money import format_rupiah
from marketplace.permissions import require
from marketplace.services.staff import audit
from marketplace.validation import clean_text

#: Lowest payout staff may make; smaller balances wait for the next run.
MIN_PAYOUT = 10_000


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


def sale_recorded(order: Order) -> bool:
    """Whether the store was credited for this order (its money came in)."""
    return db.session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.order_id == order.id,
                                     LedgerEntry.kind == LedgerKind.SALE).limit(1)
    ) is not None


def fee_charged(order: Order) -> int:
    """The fee taken on this order's sale (0 when none was recorded), as a positive number."""
    return -db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.order_id == order.id, LedgerEntry.kind == LedgerKind.FEE)
    )


def record_refund(order: Order, amount: int, refunded_before: int, actor: User | None,
                  note: str | None = None) -> LedgerEntry | None:
    """Debit the store for money given back to the buyer, net of the fee share returned.

    The platform gives back its fee in proportion, so a fully refunded order leaves the store
    exactly where it was before the sale. `refunded_before` is what was refunded on the order
    before this refund. Nothing is written when the sale was never credited (unpaid COD).
    """
    if amount <= 0 or not sale_recorded(order):
        return None
    fee = fee_charged(order)
    fee_back = (fee * (refunded_before + amount) // order.total
                - fee * refunded_before // order.total)
    store_share = amount - fee_back
    if store_share <= 0:
        return None
    entry = LedgerEntry(store_id=order.store_id, order_id=order.id, kind=LedgerKind.REFUND,
                        amount=-store_share, note=note or order.reference)
    db.session.add(entry)
    audit.record(actor, "ledger.refund", order, after={
        "store_id": order.store_id, "refund": amount, "fee_returned": fee_back})
    db.session.flush()
    return entry


def balance(store: Store) -> int:
    """What the marketplace owes the store now: the sum of its ledger entries."""
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .where(LedgerEntry.store_id == store.id)
    )


def totals_by_kind(store: Store) -> dict[LedgerKind, int]:
    """The store's entries summed per kind (sales positive; the others negative)."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount))
        .where(LedgerEntry.store_id == store.id).group_by(LedgerEntry.kind)
    ).all()
    totals = dict.fromkeys(LedgerKind, 0)
    totals.update({kind: int(total) for kind, total in rows})
    return totals


def entries_query(store: Store):
    """The store's entries, newest first (a query to paginate)."""
    return (select(LedgerEntry).where(LedgerEntry.store_id == store.id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc()))


#: Stores on one page of the payouts list.
PAYOUTS_PER_PAGE = 50


@dataclass(frozen=True)
class PayoutsPage:
    """One page of the stores to pay, (store, balance) largest balance first, and the totals of
    the whole list. `next_after` / `previous_before` are the keys (balance, store id) to pass
    back for the neighbouring pages; None where there is none."""

    rows: list
    stores: int
    total: int
    next_after: tuple[int, int] | None
    previous_before: tuple[int, int] | None


def _owed(threshold: int):
    # Each store's balance, kept only when it reaches the threshold (a payout is never 0).
    return (select(LedgerEntry.store_id, func.sum(LedgerEntry.amount).label("balance"))
            .group_by(LedgerEntry.store_id)
            .having(func.sum(LedgerEntry.amount) >= max(threshold, 1)).subquery())


def stores_to_pay(staff: User, threshold: int) -> list:
    """Every store whose balance is at least `threshold`, with its bank details, largest first
    (the list for the bank; the payouts page reads `payouts_page`).

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    owed = _owed(threshold)
    return db.session.execute(
        select(Store, owed.c.balance).join(owed, owed.c.store_id == Store.id)
        .order_by(owed.c.balance.desc(), Store.id)
    ).all()


def payouts_page(staff: User, threshold: int, after: tuple[int, int] | None = None,
                 before: tuple[int, int] | None = None, per_page: int | None = None
                 ) -> PayoutsPage:
    """One page of the stores to pay, in the order of `stores_to_pay`: the first page, the one
    after the key `after` or the one before the key `before` (balance, store id). Keys rather
    than page numbers, so a store paid meanwhile neither repeats nor skips another; a page
    that comes out empty or short going back (stores paid since) is the first page instead.

    :raises PermissionDenied: not staff.
    """
    require(staff, "staff.work")
    per_page = per_page or PAYOUTS_PER_PAGE
    owed = _owed(threshold)
    stores, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(owed.c.balance), 0))).one()
    balance, store_id = owed.c.balance, Store.id
    listed = select(Store, balance).join(owed, owed.c.store_id == Store.id)
    rows = []
    if before is not None:
        rows = db.session.execute(
            listed.where(or_(balance > before[0], and_(balance == before[0],
                                                       store_id < before[1])))
            .order_by(balance, store_id.desc()).limit(per_page + 1)).all()
        if len(rows) > per_page:
            rows = rows[per_page - 1::-1]
            return PayoutsPage(rows, stores, int(total), _key(rows[-1]), _key(rows[0]))
        rows = []  # back at the start: the first page, whole
    elif after is not None:
        rows = db.session.execute(
            listed.where(or_(balance < after[0], and_(balance == after[0],
                                                      store_id > after[1])))
            .order_by(balance.desc(), store_id).limit(per_page + 1)).all()
        if rows:
            more = len(rows) > per_page
            rows = rows[:per_page]
            return PayoutsPage(rows, stores, int(total), _key(rows[-1]) if more else None,
                               _key(rows[0]))
    rows = db.session.execute(
        listed.order_by(balance.desc(), store_id).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    return PayoutsPage(rows, stores, int(total), _key(rows[-1]) if more else None, None)


def _key(row) -> tuple[int, int]:
    store, balance = row
    return int(balance), store.id


def _lock_store(store: Store) -> None:
    # Two staff paying the same store at once: the second waits and then sees the new balance.
    # (SQLite already serialises writers: write transactions begin IMMEDIATE.)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Store.id).where(Store.id == store.id).with_for_update())


def _existing_payout(store: Store, reference: str, idempotency_key: str | None
                     ) -> Payout | None:
    same = Payout.reference == reference
    if idempotency_key:
        same = or_(same, Payout.idempotency_key == idempotency_key)
    return db.session.scalar(select(Payout).where(Payout.store_id == store.id, same).limit(1))


def record_payout(staff: User, store: Store, amount: int, reference: str,
                  idempotency_key: str | None = None) -> tuple[Payout, bool]:
    """Record a bank transfer to the store: one payout and its ledger entry, once.

    A payout is unique per (store, bank reference), and the form's idempotency key names one
    submit: a duplicate returns the payout already recorded. Returns (payout, created).

    :raises PermissionDenied: not staff.
    :raises ValidationError: amount not a positive whole number, no transfer reference, or a
        malformed idempotency key.
    :raises Conflict: the amount is above the store's balance.
    """
    require(staff, "staff.work")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError(_("Enter a whole number of rupiah, e.g. 25000."), field="amount")
    reference = clean_text(reference, 100, "reference")
    idempotency_key = clean_text(idempotency_key, 64, "idempotency_key", required=False) or None
    _lock_store(store)  # payouts of one store queue here, so the balance read below holds
    existing = _existing_payout(store, reference, idempotency_key)
    if existing is not None:
        return existing, False
    available = balance(store)
    if amount > available:
        raise Conflict(_("The payout (%(amount)s) is above the store's balance (%(balance)s).",
                         amount=format_rupiah(amount, str(get_locale() or "id")),
                         balance=format_rupiah(available, str(get_locale() or "id"))))
    payout = Payout(store_id=store.id, amount=amount, reference=reference,
                    idempotency_key=idempotency_key, actor_id=staff.id)
    db.session.add(payout)
    db.session.flush()
    db.session.add(LedgerEntry(store_id=store.id, payout_id=payout.id, kind=LedgerKind.PAYOUT,
                               amount=-amount, note=reference))
    audit.record(staff, "ledger.payout", store, before={"balance": available},
                 after={"balance": available - amount, "amount": amount,
                        "reference": reference})
    db.session.flush()
    return payout, True
