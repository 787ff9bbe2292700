"""Vendor verification by ministry staff: the queue, decisions with emails, food permits."""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.clock import to_jakarta, utcnow
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.extensions import db
from marketplace.mail import queue_email
from marketplace.models import Product, Store, StoreStatus, User
from marketplace.permissions import require
from marketplace.services.programme import outbound
from marketplace.services.staff import audit
from marketplace.validation import clean_text

#: Alerts start this many days before a halal certificate or P-IRT expires.
EXPIRY_WARNING_DAYS = 30
PERMIT_KINDS = ("pirt", "halal")


def today_jakarta() -> date:
    return to_jakarta(utcnow()).date()


def store_queue(staff: User, status: StoreStatus = StoreStatus.PENDING,
                query: str = "") -> list[Store]:
    """Stores in a status, oldest application first, with their owners loaded."""
    require(staff, "staff.work")
    stmt = (select(Store).options(joinedload(Store.owner), selectinload(Store.pkh_household))
            .where(Store.status == status)
            .order_by(Store.created_at, Store.id).limit(200))
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Store.name).like(like),
                              func.lower(Store.participant_code).like(like)))
    return list(db.session.scalars(stmt))


def verified_stores(staff: User, query: str = "", ids: list[int] | None = None,
                    limit: int = 100) -> list[Store]:
    """Verified stores to choose from (e.g. to feature): matching a name or participant code,
    or by id; the most recently verified first."""
    require(staff, "staff.work")
    stmt = (select(Store).where(Store.status == StoreStatus.VERIFIED)
            .order_by(Store.verified_at.desc(), Store.id.desc()).limit(limit))
    if ids is not None:
        stmt = stmt.where(Store.id.in_([i for i in ids if isinstance(i, int)]))
    elif query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Store.name).like(like),
                              func.lower(Store.participant_code).like(like)))
    return list(db.session.scalars(stmt))


def get_store(staff: User, store_id: int) -> Store:
    """:raises NotFound: no such store."""
    require(staff, "staff.work")
    store = db.session.get(Store, store_id)
    if store is None:
        raise NotFound()
    return store


def store_products(store: Store) -> list[Product]:
    """The store's products with their permits, for the verification page."""
    return list(db.session.scalars(
        select(Product).where(Product.store_id == store.id).order_by(Product.id).limit(500)))


def _tell_owner(store: Store, message) -> None:
    # `message` builds (subject, body) inside the owner's language, not the staff member's.
    with force_locale(store.owner.locale or "id"):
        subject, body = message(store.name, store.status_reason or "-")
        queue_email(store.owner.email, subject, body)


def _decide(staff: User, store: Store, allowed_from: tuple, to: StoreStatus, action: str,
            reason: str | None, message) -> Store:
    require(staff, "staff.work")
    if store.status not in allowed_from:
        raise Conflict(_("This store is %(status)s; that decision is not possible now.",
                         status=store.status.value))
    before = {"status": store.status.value, "reason": store.status_reason}
    store.status = to
    store.status_reason = reason
    if to == StoreStatus.VERIFIED and store.verified_at is None:
        store.verified_at = utcnow()
    audit.record(staff, action, store, before, {"status": to.value, "reason": reason})
    db.session.flush()
    outbound.store_changed(store)
    _tell_owner(store, message)
    return store


def verify_store(staff: User, store: Store, note: str | None = None) -> Store:
    """Verify a pending store (it becomes public) and email its owner.

    :raises PermissionDenied: not staff.
    :raises Conflict: the store is not pending (e.g. already rejected).
    """
    note = clean_text(note, 1000, "note", required=False) or None
    return _decide(staff, store, (StoreStatus.PENDING,), StoreStatus.VERIFIED, "store.verify",
                   note, lambda name, _reason: (
                       _("Your store has been verified"),
                       _("Good news: %(name)s is verified and now visible to buyers on Pasar "
                         "Mandiri.", name=name)))


def reject_store(staff: User, store: Store, reason: str) -> Store:
    """Reject a pending store with a reason the owner sees, and email it to them.

    :raises ValidationError: no reason.
    :raises Conflict: the store is not pending.
    """
    reason = clean_text(reason, 1000, "reason")
    return _decide(staff, store, (StoreStatus.PENDING,), StoreStatus.REJECTED, "store.reject",
                   reason, lambda name, reason: (
                       _("Your store application was not approved"),
                       _("%(name)s was not approved. Reason from the ministry staff: "
                         "%(reason)s", name=name, reason=reason)))


def suspend_store(staff: User, store: Store, reason: str) -> Store:
    """Take a verified store off the public site at once and tell its owner why; its open
    orders stay serviceable.

    :raises ValidationError: no reason.
    :raises Conflict: the store is not verified.
    """
    reason = clean_text(reason, 1000, "reason")
    return _decide(staff, store, (StoreStatus.VERIFIED,), StoreStatus.SUSPENDED,
                   "store.suspend", reason, lambda name, reason: (
                       _("Your store has been suspended"),
                       _("%(name)s is hidden from buyers for now. Open orders can still be "
                         "completed. Reason: %(reason)s", name=name, reason=reason)))


def reinstate_store(staff: User, store: Store, note: str | None = None) -> Store:
    """Make a suspended store public again and tell its owner.

    :raises Conflict: the store is not suspended.
    """
    note = clean_text(note, 1000, "note", required=False) or None
    return _decide(staff, store, (StoreStatus.SUSPENDED,), StoreStatus.VERIFIED,
                   "store.reinstate", note, lambda name, _reason: (
                       _("Your store is visible again"),
                       _("%(name)s is visible to buyers again on Pasar Mandiri.", name=name)))


def verify_permit(staff: User, product: Product, kind: str) -> Product:
    """Mark a product's P-IRT or halal certificate as checked by staff.

    :raises PermissionDenied: not staff.
    :raises ValidationError: unknown kind, no number to check, or already expired.
    """
    require(staff, "staff.work")
    if kind not in PERMIT_KINDS:
        raise ValidationError(_("Unknown permit."), field="kind")
    number = getattr(product, f"{kind}_number")
    expires = getattr(product, f"{kind}_expires_on")
    if not number:
        raise ValidationError(_("This product has no permit number to verify."), field="kind")
    if expires is not None and expires < today_jakarta():
        raise ValidationError(_("This permit has expired; ask the seller for a new one."),
                              field="kind")
    if getattr(product, f"{kind}_verified"):
        raise ValidationError(_("This permit is already verified."), field="kind")
    setattr(product, f"{kind}_verified", True)
    audit.record(staff, f"permit.verify_{kind}", product, {f"{kind}_verified": False},
                 {f"{kind}_verified": True, "number": number, "expires_on": expires})
    db.session.flush()
    return product


@dataclass(frozen=True)
class PermitAlert:
    product: Product
    kind: str
    number: str
    expires_on: date

    @property
    def expired(self) -> bool:
        return self.expires_on < today_jakarta()


def permit_alerts(store: Store | None = None, today: date | None = None,
                  days: int = EXPIRY_WARNING_DAYS, limit: int = 500) -> list[PermitAlert]:
    """Halal certificates and P-IRT that expire within `days` (or already have), soonest first.

    Without `store`: every store that is not rejected (the staff view); with it: that store's
    own products (the vendor's view).
    """
    horizon = (today or today_jakarta()) + timedelta(days=days)
    stmt = (select(Product).options(joinedload(Product.store))
            .join(Product.store)
            .where(or_(and_(Product.pirt_number.is_not(None), Product.pirt_expires_on <= horizon),
                       and_(Product.halal_number.is_not(None),
                            Product.halal_expires_on <= horizon)))
            .limit(limit))
    if store is not None:
        stmt = stmt.where(Product.store_id == store.id)
    else:
        stmt = stmt.where(Store.status != StoreStatus.REJECTED)
    alerts = []
    for product in db.session.scalars(stmt):
        for kind in PERMIT_KINDS:
            number = getattr(product, f"{kind}_number")
            expires = getattr(product, f"{kind}_expires_on")
            if number and expires is not None and expires <= horizon:
                alerts.append(PermitAlert(product, kind, number, expires))
    return sorted(alerts, key=lambda a: (a.expires_on, a.product.id, a.kind))


def unverified_permits(staff: User, limit: int = 200) -> list[Product]:
    """Products with a P-IRT or halal number not yet checked by staff, oldest first."""
    require(staff, "staff.work")
    return list(db.session.scalars(
        select(Product).options(joinedload(Product.store)).join(Product.store)
        .where(Store.status != StoreStatus.REJECTED,
               or_(and_(Product.pirt_number.is_not(None), Product.pirt_verified.is_(False)),
                   and_(Product.halal_number.is_not(None), Product.halal_verified.is_(False))))
        .order_by(Product.created_at, Product.id).limit(limit)))
