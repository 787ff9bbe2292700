"""Featured vendors: which verified stores the home page shows, where, and when."""

from datetime import datetime, timedelta
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from marketplace.clock import as_utc
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import FeaturedSlot, Store, StoreStatus, User
from marketplace.permissions import require
from marketplace.services.staff import audit
from marketplace.validation import clean_text

#: Positions on the home page run from 1 to this.
MAX_POSITION = 50


def check_slot(store: Store, position, starts_at: datetime, ends_at: datetime) -> None:
    """The rules every featured slot obeys, whatever else is scheduled.

    :raises ValidationError: store not verified, position out of range, window not ordered.
    """
    if store.status != StoreStatus.VERIFIED:
        raise ValidationError(_("Only a verified store can be featured."), field="store")
    if isinstance(position, bool) or not isinstance(position, int) or not (
        1 <= position <= MAX_POSITION
    ):
        raise ValidationError(_("The position is a number from 1 to %(n)d.", n=MAX_POSITION),
                              field="position")
    if starts_at is None or ends_at is None or as_utc(ends_at) <= as_utc(starts_at):
        raise ValidationError(_("The end must be after the start."), field="ends_at")


@cache
def _active_slots_statement() -> Select:
    """Slots whose window contains :now, of stores still verified, by position (then newest);
    built once, since building and keying it anew cost more than running it."""
    # The store is checked with EXISTS and loaded with an outer join, so the database starts
    # from the few slots in the window (their index) rather than from every verified store.
    verified = select(Store.id).where(Store.id == FeaturedSlot.store_id,
                                      Store.status == StoreStatus.VERIFIED)
    now = bindparam("now")
    return (
        select(FeaturedSlot)
        .options(joinedload(FeaturedSlot.store).joinedload(Store.logo))
        .where(FeaturedSlot.starts_at <= now, FeaturedSlot.ends_at > now, verified.exists())
        .order_by(FeaturedSlot.position, FeaturedSlot.starts_at.desc(), FeaturedSlot.id.desc())
    )


def active_slots(now: datetime) -> list[FeaturedSlot]:
    """The featured slots shown at `now`, one per store (its best position), in order."""
    seen: set[int] = set()
    slots = []
    for slot in db.session.scalars(_active_slots_statement(), {"now": as_utc(now)}):
        if slot.store_id not in seen:
            seen.add(slot.store_id)
            slots.append(slot)
    return slots


# --- staff curation: cap, overlaps, history (issue 7) -----------------------------------------

#: At most this many stores are featured at the same moment.
MAX_FEATURED_AT_ONCE = 8
#: A schedule reaches at most this far ahead.
MAX_WINDOW_DAYS = 366


def _overlapping(starts_at: datetime, ends_at: datetime) -> list[FeaturedSlot]:
    return list(db.session.scalars(
        select(FeaturedSlot).where(FeaturedSlot.starts_at < ends_at,
                                   FeaturedSlot.ends_at > starts_at)))


def _most_at_once(slots: list[FeaturedSlot], starts_at: datetime) -> int:
    # The busiest moment inside the window starts at the window's start or at a slot's start.
    moments = [starts_at] + [as_utc(s.starts_at) for s in slots if as_utc(s.starts_at) > starts_at]
    return max(sum(1 for s in slots if as_utc(s.starts_at) <= m < as_utc(s.ends_at))
               for m in moments)


def schedule_feature(staff: User, store: Store, position: int, starts_at: datetime,
                     ends_at: datetime, note: str = "") -> FeaturedSlot:
    """Feature a store after checking overlaps and the cap, then record it (one audit row).

    :raises PermissionDenied: the actor is not staff.
    :raises ValidationError: store not verified, bad or inverted window, the store or the
        position already taken in that window, or the cap reached.
    """
    require(staff, "staff.work")
    check_slot(store, position, starts_at, ends_at)
    starts_at, ends_at = as_utc(starts_at), as_utc(ends_at)
    if (ends_at - starts_at).days > MAX_WINDOW_DAYS:
        raise ValidationError(_("A feature window can last at most %(n)d days.",
                                n=MAX_WINDOW_DAYS), field="ends_at")
    others = _overlapping(starts_at, ends_at)
    if any(s.store_id == store.id for s in others):
        raise ValidationError(_("This store is already featured during part of that time."),
                              field="starts_at")
    if any(s.position == position for s in others):
        raise ValidationError(_("Position %(n)d is already taken during part of that time.",
                                n=position), field="position")
    if others and _most_at_once(others, starts_at) >= MAX_FEATURED_AT_ONCE:
        raise ValidationError(
            _("At most %(n)d stores can be featured at the same time.", n=MAX_FEATURED_AT_ONCE),
            field="starts_at")
    slot = FeaturedSlot(store=store, position=position, starts_at=starts_at, ends_at=ends_at,
                        created_by_id=staff.id,
                        note=clean_text(note, 1000, "note", required=False))
    db.session.add(slot)
    db.session.flush()
    audit.record(staff, "featured.create", slot, None, {
        "store_id": store.id, "position": position, "starts_at": slot.starts_at,
        "ends_at": slot.ends_at, "note": slot.note,
    })
    return slot


def end_feature(staff: User, slot: FeaturedSlot, now: datetime) -> FeaturedSlot:
    """Stop a slot now (or cancel it if it has not started); the row stays for the history.

    :raises PermissionDenied: the actor is not staff.
    :raises ValidationError: the slot has already ended.
    """
    require(staff, "staff.work")
    now = as_utc(now)
    if as_utc(slot.ends_at) <= now:
        raise ValidationError(_("This feature has already ended."))
    before = {"starts_at": slot.starts_at, "ends_at": slot.ends_at}
    if as_utc(slot.starts_at) >= now:
        # Never shown: the window is moved into the past (the audit row keeps the plan).
        slot.starts_at, slot.ends_at = now - timedelta(seconds=1), now
        action = "featured.cancel"
    else:
        slot.ends_at = now
        action = "featured.end"
    audit.record(staff, action, slot, before, {"starts_at": slot.starts_at,
                                               "ends_at": slot.ends_at})
    db.session.flush()
    return slot


def current_and_upcoming(now: datetime) -> list[FeaturedSlot]:
    """Slots not yet over, by start then position (the staff schedule)."""
    return list(db.session.scalars(
        select(FeaturedSlot).options(joinedload(FeaturedSlot.store),
                                     joinedload(FeaturedSlot.created_by))
        .where(FeaturedSlot.ends_at > as_utc(now))
        .order_by(FeaturedSlot.starts_at, FeaturedSlot.position)))


def featured_history(limit: int = 100) -> list[FeaturedSlot]:
    """Every slot ever scheduled, newest first: who featured which store, and when."""
    return list(db.session.scalars(
        select(FeaturedSlot).options(joinedload(FeaturedSlot.store),
                                     joinedload(FeaturedSlot.created_by))
        .order_by(FeaturedSlot.created_at.desc(), FeaturedSlot.id.desc()).limit(limit)))
