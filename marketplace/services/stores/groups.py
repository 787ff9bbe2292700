"""Group businesses (KUBE): member households of a store, their shares, and income per household.

Every change of membership or share ends the member's current row and (unless removed) starts a
new one, so the history of who held what share when is kept.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from marketplace.clock import JAKARTA, utcnow
from marketplace.errors import NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import MonthlyStoreSales, Store, User
from marketplace.models.people import GroupMember
from marketplace.permissions import can
from marketplace.services.programme import facilitation
from marketplace.services.programme.indicators import month_of_index
from marketplace.services.staff import audit

ROLES = {"owner": _l("Owner"), "chair": _l("Chair"), "treasurer": _l("Treasurer"),
         "secretary": _l("Secretary"), "member": _l("Member")}
FULL = 10_000


def _require_owner(actor: User, store: Store) -> None:
    # Shares decide whose income it is: only the owner herself (or staff) changes them.
    if not (can(actor, "store.payouts", store) or can(actor, "staff.work")):
        raise PermissionDenied()


def members(store: Store, include_past: bool = False) -> list[GroupMember]:
    """The store's member rows: current ones (or the whole history), owner first."""
    stmt = select(GroupMember).where(GroupMember.store_id == store.id)
    if not include_past:
        stmt = stmt.where(GroupMember.left_at.is_(None))
    return list(db.session.scalars(stmt.order_by(GroupMember.left_at.is_not(None),
                                                 GroupMember.role != "owner",
                                                 GroupMember.id.desc())))


def _share(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= FULL:
        raise ValidationError(_("Enter a share from 0.01 to 100 percent."), field="share")
    return value


def _check_total(store: Store, changed_user_id: int, share_bp: int) -> None:
    total = sum(m.share_bp for m in members(store) if m.user_id != changed_user_id) + share_bp
    if total > FULL:
        raise ValidationError(_("The shares add up to more than 100 percent. Lower "
                                "another member's share first."), field="share")


def set_member(actor: User, store: Store, person: str, role: str, share_bp: int) -> GroupMember:
    """Add a member household (by email or phone), or change a member's role or share.

    The first time, the owner's own row is created with the rest of the shares.

    :raises PermissionDenied: not the store's owner or staff.
    :raises ValidationError: unknown person or role, or shares above 100%.
    """
    _require_owner(actor, store)
    if role not in ROLES:
        raise ValidationError(_("Choose a role from the list."), field="role")
    share_bp = _share(share_bp)
    user = facilitation.find_person(person)
    if user is None:
        raise ValidationError(_("No account uses that email or phone number."), field="person")
    if (role == "owner") != (user.id == store.owner_id):
        raise ValidationError(_("Only the store's owner has the owner role."), field="role")
    now = utcnow()
    current = {m.user_id: m for m in members(store)}
    if not current and user.id != store.owner_id:
        if share_bp >= FULL:
            raise ValidationError(_("Leave some share for the owner."), field="share")
        current[store.owner_id] = GroupMember(store_id=store.id, user_id=store.owner_id,
                                              role="owner", share_bp=FULL - share_bp,
                                              added_by_id=actor.id, joined_at=now)
        db.session.add(current[store.owner_id])
        db.session.flush()
    _check_total(store, user.id, share_bp)
    before = None
    if user.id in current:
        old = current[user.id]
        before = {"role": old.role, "share_bp": old.share_bp}
        old.left_at = now
    row = GroupMember(store_id=store.id, user_id=user.id, role=role, share_bp=share_bp,
                      added_by_id=actor.id, joined_at=now)
    db.session.add(row)
    audit.record(actor, "group.member_set", store, before,
                 {"user_id": user.id, "role": role, "share_bp": share_bp})
    db.session.flush()
    return row


def remove_member(actor: User, store: Store, member_id: int) -> GroupMember:
    """A member household leaves; its row stays as history.

    :raises PermissionDenied: not the store's owner or staff.
    :raises NotFound: no such current member of this store.
    :raises ValidationError: the owner cannot leave her own store.
    """
    _require_owner(actor, store)
    row = db.session.get(GroupMember, member_id)
    if row is None or row.store_id != store.id or row.left_at is not None:
        raise NotFound()
    if row.user_id == store.owner_id:
        raise ValidationError(_("The owner cannot leave her own store."), field="member")
    row.left_at = utcnow()
    audit.record(actor, "group.member_remove", store, {"user_id": row.user_id,
                                                       "share_bp": row.share_bp})
    db.session.flush()
    return row


def my_groups(user: User) -> list[tuple[GroupMember, Store]]:
    """The group stores a person is a current member of."""
    return list(db.session.execute(
        select(GroupMember, Store).join(Store, Store.id == GroupMember.store_id)
        .where(GroupMember.user_id == user.id, GroupMember.left_at.is_(None))).all())


# --- income per household ---------------------------------------------------------------------

def _month_start(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=JAKARTA)


@dataclass
class Share:
    member: GroupMember
    amount: int


def _held_at_end_of(month: date, stores) -> dict[int, list[GroupMember]]:
    """{store id: member rows held at the end of the month} of `stores` (ids, or a select of
    them), in one query."""
    following = _month_start(date(month.year + month.month // 12, month.month % 12 + 1, 1))
    held: dict[int, list[GroupMember]] = {}
    for row in db.session.scalars(
            select(GroupMember).where(GroupMember.store_id.in_(stores),
                                      GroupMember.joined_at < following,
                                      or_(GroupMember.left_at.is_(None),
                                          GroupMember.left_at >= following))):
        held.setdefault(row.store_id, []).append(row)
    return held


def _split(rows: list[GroupMember], net: int) -> list[Share]:
    # Integer rupiah: the remainder of the division goes to the owner, so the parts add up.
    shares = [Share(m, net * m.share_bp // FULL) for m in rows]
    rest = net - sum(s.amount for s in shares)
    for share in shares:
        if share.member.role == "owner":
            share.amount += rest
    return shares


def statement_shares(store: Store, month: date, net: int) -> list[Share]:
    """Each member household's part of a month's net income (empty for a one-owner store)."""
    return _split(_held_at_end_of(month, [store.id]).get(store.id, []), net)


def household_incomes(month_index: int, province_code: str = "") -> dict[int, tuple[int, int]]:
    """{household (user) id: (income of the month, income line)} over every store (summaries).

    A one-owner store's income is all its owner's; a group store's is split by the shares held
    at the end of the month. The line is the highest of the household's stores' lines (UMP).
    """
    in_month = [MonthlyStoreSales.month_index == month_index]
    if province_code:
        in_month.append(MonthlyStoreSales.province_code == province_code)
    # The month's stores as a subquery: thousands of ids as parameters cost more than the query.
    held = _held_at_end_of(month_of_index(month_index),
                           select(MonthlyStoreSales.store_id).where(*in_month))
    # Iterated, not .all(), as in the training outcomes: no list of every row is built.
    sales = db.session.execute(
        select(MonthlyStoreSales.store_id, MonthlyStoreSales.month, MonthlyStoreSales.net_sales,
               MonthlyStoreSales.line_ump, Store.owner_id)
        .join(Store, Store.id == MonthlyStoreSales.store_id).where(*in_month))
    result: dict[int, tuple[int, int]] = {}

    def add(user_id: int, amount: int, line: int | None) -> None:
        income, best = result.get(user_id, (0, 0))
        result[user_id] = (income + amount, max(best, line or 0))

    for store_id, _month, net, line, owner_id in sales:
        members = held.get(store_id)
        if not members:  # most stores: one owner, no member rows
            add(owner_id, net, line)
            continue
        for share in _split(members, net):
            add(share.member.user_id, share.amount, line)
    return result


def households_above_line(month_index: int, province_code: str = "") -> tuple[int, int]:
    """(households with income at or above their line, households with any income) in a month."""
    incomes = household_incomes(month_index, province_code)
    above = sum(1 for income, line in incomes.values() if line and income >= line)
    return above, len(incomes)
