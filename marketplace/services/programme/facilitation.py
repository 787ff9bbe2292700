"""Facilitators (pendamping): accounts by region, caseloads, consent, acting for a store, audit."""

import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, or_, select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import (
    AuditEvent,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderStatus,
    Product,
    ProductStatus,
    Store,
    StoreStatus,
    User,
    Variant,
)
from marketplace.models.people import ASSISTING_KEY, Caseload, FacilitatorProfile
from marketplace.permissions import can, is_facilitator, require
from marketplace.regions import check_province
from marketplace.services.programme import indicators
from marketplace.services.staff import audit
from marketplace.services.stores.storefront import store_of
from marketplace.services.stores.verification import permit_alerts
from marketplace.services.users import accounts
from marketplace.validation import clean_text, normalise_email, normalise_phone

#: An order still "new" after this long needs a nudge.
ORDER_WAIT = timedelta(hours=48)
LOW_STOCK = 3
NO_SALE_DAYS = 30
_INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# --- the role --------------------------------------------------------------------------------


def require_facilitator(user: User) -> FacilitatorProfile:
    """The acting user's facilitator profile.

    :raises PermissionDenied: not a facilitator.
    """
    profile = None
    if is_facilitator(user):
        profile = db.session.scalar(select(FacilitatorProfile)
                                    .where(FacilitatorProfile.user_id == user.id))
    if profile is None:
        raise PermissionDenied()
    return profile


def _invite_code() -> str:
    while True:
        code = "".join(secrets.choice(_INVITE_ALPHABET) for _ in range(6))
        if db.session.scalar(select(FacilitatorProfile.id)
                             .where(FacilitatorProfile.invite_code == code)) is None:
            return code


def create_facilitator(staff: User, *, name: str, email: str, password: str,
                       province_code: str, regency: str | None = None) -> User:
    """Create a facilitator account for a province (or one regency of it); audited.

    :raises PermissionDenied: not staff or admin.
    :raises ValidationError: a bad field, or the email is taken.
    """
    require(staff, "staff.work")
    province_code = check_province(province_code)
    regency = clean_text(regency, 120, "regency", required=False) or None
    user = accounts.register_user(email, name, password)
    user.is_facilitator = True
    db.session.add(FacilitatorProfile(user=user, province_code=province_code, regency=regency,
                                      invite_code=_invite_code(), created_by_id=staff.id))
    audit.record(staff, "facilitator.create", user,
                 after={"province": province_code, "regency": regency})
    db.session.flush()
    return user


def facilitators(staff: User, province_code: str = "") -> list[tuple[FacilitatorProfile, int]]:
    """Facilitator profiles with their caseload size, by region and name (staff)."""
    require(staff, "staff.work")
    size = (select(func.count(Caseload.id)).where(Caseload.facilitator_id ==
                                                  FacilitatorProfile.user_id)
            .correlate(FacilitatorProfile).scalar_subquery())
    stmt = (select(FacilitatorProfile, size).join(FacilitatorProfile.user)
            .order_by(FacilitatorProfile.province_code, User.name))
    if province_code:
        stmt = stmt.where(FacilitatorProfile.province_code == province_code)
    return [(profile, n) for profile, n in db.session.execute(stmt)]


def get_facilitator(staff: User, user_id: int) -> FacilitatorProfile:
    """:raises NotFound: no facilitator with that id."""
    require(staff, "staff.work")
    profile = db.session.scalar(select(FacilitatorProfile)
                                .where(FacilitatorProfile.user_id == user_id))
    if profile is None:
        raise NotFound()
    return profile


# --- caseloads -------------------------------------------------------------------------------

def find_person(identifier: str) -> User | None:
    """An account by email or by phone number in any common Indonesian form."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        try:
            return accounts.find_user_by_email(normalise_email(identifier))
        except ValidationError:
            return None
    try:
        phone = normalise_phone(identifier)
    except ValidationError:
        return None
    return db.session.scalar(select(User).where(User.phone == phone).order_by(User.id).limit(1))


def _place_of(user: User) -> tuple[str | None, str | None]:
    store = db.session.scalar(select(Store).where(Store.owner_id == user.id))
    return (store.province_code, store.regency) if store else (None, None)


def _set_caseload(actor: User, profile: FacilitatorProfile, entrepreneur: User,
                  source: str) -> Caseload:
    if entrepreneur.id == profile.user_id or entrepreneur.is_staff or entrepreneur.is_admin:
        raise ValidationError(_("This account cannot be in a caseload."), field="person")
    province, regency = _place_of(entrepreneur)
    if province is not None and not profile.covers(province, regency):
        raise ValidationError(_("Her store is outside this facilitator's region."),
                              field="person")
    row = db.session.scalar(select(Caseload).where(Caseload.entrepreneur_id == entrepreneur.id)
                            .with_for_update())
    if row is not None and row.facilitator_id == profile.user_id:
        raise Conflict(_("She is already in this facilitator's caseload."))
    before = None
    if row is None:
        row = Caseload(entrepreneur=entrepreneur, facilitator_id=profile.user_id, source=source)
        db.session.add(row)
    else:
        # Consent is given to a person: a new facilitator has to be allowed again.
        before = {"facilitator_id": row.facilitator_id, "consent": row.has_consent}
        row.facilitator_id, row.source, row.assigned_at = profile.user_id, source, utcnow()
        row.consent_at = None
    audit.record(actor, "caseload.assign", entrepreneur, before,
                 {"facilitator_id": profile.user_id, "source": source})
    db.session.flush()
    return row


def assign(staff: User, facilitator_id: int, person: str) -> Caseload:
    """Staff put an entrepreneur (found by email or phone) in a facilitator's caseload.

    :raises PermissionDenied: not staff.
    :raises ValidationError: nobody with that email/phone, or her store is outside the region.
    :raises Conflict: she is already in this caseload.
    """
    profile = get_facilitator(staff, facilitator_id)
    entrepreneur = find_person(person)
    if entrepreneur is None:
        raise ValidationError(_("No account uses that email or phone number."), field="person")
    return _set_caseload(staff, profile, entrepreneur, "staff")


def invite(entrepreneur: User, code: str) -> Caseload:
    """She invites her facilitator by the facilitator's code (consent is a separate step).

    :raises ValidationError: no facilitator has that code, or her store is outside its region.
    :raises Conflict: that facilitator is already hers.
    """
    profile = db.session.scalar(select(FacilitatorProfile).where(
        FacilitatorProfile.invite_code == (code or "").strip().upper()))
    if profile is None or not profile.user.active:
        raise ValidationError(_("No facilitator has that code. Check it with your facilitator."),
                              field="code")
    return _set_caseload(entrepreneur, profile, entrepreneur, "invite")


def caseload_of(entrepreneur: User) -> Caseload | None:
    """Her facilitator and consent, if she has a facilitator."""
    return db.session.scalar(select(Caseload).where(Caseload.entrepreneur_id == entrepreneur.id))


def set_consent(entrepreneur: User, allow: bool, recorded_by: User | None = None) -> Caseload:
    """Give or withdraw consent for her facilitator to act for her store; audited.

    `recorded_by` is her facilitator when she gives it in person at registration.

    :raises NotFound: she has no facilitator.
    """
    row = caseload_of(entrepreneur)
    if row is None:
        raise NotFound(_("You have no facilitator yet."))
    if allow == row.has_consent:
        return row
    if allow:
        row.consent_at, row.consent_withdrawn_at = utcnow(), None
    else:
        row.consent_at, row.consent_withdrawn_at = None, utcnow()
    audit.record(recorded_by or entrepreneur, "consent.give" if allow else "consent.withdraw",
                 entrepreneur, after={"facilitator_id": row.facilitator_id})
    db.session.flush()
    return row


def case_for(facilitator: User, entrepreneur_id: int) -> Caseload:
    """One entrepreneur of the facilitator's own caseload.

    :raises PermissionDenied: not a facilitator.
    :raises NotFound: she is not in this facilitator's caseload (others look absent).
    """
    require_facilitator(facilitator)
    row = db.session.scalar(select(Caseload).where(Caseload.entrepreneur_id == entrepreneur_id,
                                                   Caseload.facilitator_id == facilitator.id))
    if row is None:
        raise NotFound()
    return row


def store_to_act_for(facilitator: User, store_id: int | None) -> Store:
    """The store a facilitator acts for, if its owner still consents.

    :raises PermissionDenied: no such store, or no (or withdrawn) consent.
    """
    store = db.session.get(Store, store_id) if store_id else None
    if (store is None or store.owner_id == facilitator.id
            or not can(facilitator, "store.manage", store)):
        raise PermissionDenied(_("You may no longer act for this store."))
    return store


def store_to_work_on(user: User, store_id: int | None) -> Store | None:
    """The store a vendor page or API call works on: the one named (her own, or one whose
    owner consents to her acting for it as facilitator), else her own (None: she has none).

    :raises PermissionDenied: a named store she may not run, or whose consent was withdrawn.
    """
    own = store_of(user)
    if store_id is None or (own is not None and own.id == store_id):
        return own
    return store_to_act_for(user, store_id)


def stores_to_act_for(facilitator: User) -> list[Store]:
    """The stores whose owners consent to this facilitator acting for them now, by name
    (none for anyone who is not a facilitator)."""
    if not is_facilitator(facilitator):
        return []
    return list(db.session.scalars(
        select(Store).join(Caseload, Caseload.entrepreneur_id == Store.owner_id)
        .where(Caseload.facilitator_id == facilitator.id, Caseload.consent_at.is_not(None))
        .order_by(Store.name, Store.id)))


def store_for_case(facilitator: User, entrepreneur_id: int) -> Store:
    """The store of one of the facilitator's caseload, to act for it.

    :raises NotFound: not in this caseload, or she has no store yet.
    :raises PermissionDenied: she has not given (or has withdrawn) consent.
    """
    row = case_for(facilitator, entrepreneur_id)
    store = db.session.scalar(select(Store).where(Store.owner_id == row.entrepreneur_id))
    if store is None:
        raise NotFound(_("She has no store yet."))
    return store_to_act_for(facilitator, store.id)


# --- what needs help now -----------------------------------------------------------------------

NEEDS = {
    "no_store": _l("No store yet"),
    "not_verified": _l("Store not verified yet"),
    "no_active_products": _l("No active products"),
    "orders_waiting": _l("Orders waiting too long"),
    "low_stock": _l("Low stock"),
    "permits_expiring": _l("Permits expiring"),
    "no_recent_sale": _l("No sale in 30 days"),
    "password_unset": _l("Has not set her password"),
}


@dataclass
class Case:
    row: Caseload
    store: Store | None
    needs: list[str] = field(default_factory=list)
    #: Consecutive months at or above the income line (UMP), and whether she has graduated.
    streak: int = 0
    graduated: bool = False


def _ids_where(stmt) -> set[int]:
    return set(db.session.scalars(stmt))


def caseload(facilitator: User) -> list[Case]:
    """The facilitator's caseload with what needs help now, neediest first.

    :raises PermissionDenied: not a facilitator.
    """
    require_facilitator(facilitator)
    rows = list(db.session.scalars(select(Caseload).where(Caseload.facilitator_id ==
                                                          facilitator.id)))
    owners = [row.entrepreneur_id for row in rows]
    stores = {s.owner_id: s for s in db.session.scalars(select(Store)
                                                        .where(Store.owner_id.in_(owners)))}
    ids = [s.id for s in stores.values()]
    now = utcnow()
    active = _ids_where(select(Product.store_id).where(
        Product.store_id.in_(ids), Product.status == ProductStatus.ACTIVE))
    waiting = _ids_where(select(Order.store_id).where(
        Order.store_id.in_(ids), Order.status == OrderStatus.NEW,
        Order.created_at < now - ORDER_WAIT))
    low = _ids_where(select(Product.store_id).join(Variant, Variant.product_id == Product.id)
                     .where(Product.store_id.in_(ids), Product.status == ProductStatus.ACTIVE,
                            Variant.active.is_(True), Variant.stock <= LOW_STOCK))
    sold = _ids_where(select(LedgerEntry.store_id).where(
        LedgerEntry.store_id.in_(ids), LedgerEntry.kind == LedgerKind.SALE,
        LedgerEntry.created_at >= now - timedelta(days=NO_SALE_DAYS)))
    expiring = {a.product.store_id for a in permit_alerts() if a.product.store_id in ids}
    progress = indicators.graduation_by_store() if ids else {}
    cases = []
    for row in rows:
        store = stores.get(row.entrepreneur_id)
        case = Case(row, store)
        if row.entrepreneur.password_hash == accounts.UNSET_PASSWORD:
            case.needs.append("password_unset")
        if store is None:
            case.needs.append("no_store")
        else:
            checks = [("not_verified", store.status != StoreStatus.VERIFIED),
                      ("no_active_products", store.id not in active),
                      ("orders_waiting", store.id in waiting), ("low_stock", store.id in low),
                      ("permits_expiring", store.id in expiring),
                      ("no_recent_sale", store.id not in sold)]
            case.needs += [name for name, on in checks if on]
            if store.id in progress:
                case.streak = progress[store.id].current_streak
                case.graduated = progress[store.id].graduated_in is not None
        cases.append(case)
    return sorted(cases, key=lambda c: (-len(c.needs), c.row.entrepreneur.name))


# --- acting for someone, in the audit log -------------------------------------------------------

#: What a change to each table means on the store's activity page; other tables are bookkeeping.
CHANGE_LABELS = {
    ("stores", "new"): _l("opened the store"),
    ("stores", "dirty"): _l("changed the store's details"),
    ("courier_rates", "new"): _l("changed shipping options"),
    ("courier_rates", "dirty"): _l("changed shipping options"),
    ("products", "new"): _l("added a product"),
    ("products", "dirty"): _l("edited a product"),
    ("products", "deleted"): _l("deleted a product"),
    ("variants", "new"): _l("added a variant"),
    ("variants", "dirty"): _l("changed a price or stock"),
    ("product_images", "new"): _l("added a photo"),
    ("product_images", "dirty"): _l("changed a photo"),
    ("product_images", "deleted"): _l("removed a photo"),
    ("orders", "dirty"): _l("moved an order"),
    ("reviews", "dirty"): _l("answered a review"),
}
_CHANGES_KEY = "assisted_changes"


def _label(obj) -> str:
    for name in ("title", "reference", "name", "sku"):
        value = getattr(obj, name, None)
        if isinstance(value, str):
            return value[:120]
    return ""


def note_change(session: Session, obj, op: str) -> None:
    """Add one change to what the audit log will show as done for the store at commit."""
    table = getattr(obj, "__tablename__", "")
    if (table, op) in CHANGE_LABELS:
        changes = session.info.setdefault(_CHANGES_KEY, [])
        change = {"table": table, "op": op, "label": _label(obj)}
        if change not in changes:
            changes.append(change)


@event.listens_for(Session, "after_flush")
def _collect_assisted(session: Session, _context) -> None:
    if not session.info.get(ASSISTING_KEY):
        return
    for op, objects in (("new", session.new), ("dirty", session.dirty),
                        ("deleted", session.deleted)):
        for obj in objects:
            if op != "dirty" or session.is_modified(obj):
                note_change(session, obj, op)


@event.listens_for(Session, "before_commit")
def _audit_assisted(session: Session) -> None:
    # A savepoint (e.g. the image pipeline's) commits midway: wait for the real commit.
    if session.in_nested_transaction() or not session.info.get(ASSISTING_KEY):
        return
    session.flush()  # collects the last changes through _collect_assisted
    acting = session.info.pop(ASSISTING_KEY, None)
    changes = session.info.pop(_CHANGES_KEY, None)
    if not acting or not changes:
        return
    for (facilitator_id, store_id), (facilitator_name, store_name) in acting.items():
        session.add(AuditEvent(
            actor_id=facilitator_id, action="assist", subject_type="store", subject_id=store_id,
            after={"facilitator": facilitator_name, "store": store_name, "changes": changes},
            ip=audit.acting_ip.get(), via=audit.acting_via.get()))
    session.flush()


@event.listens_for(Session, "after_transaction_end")
def _forget_assisted(session: Session, transaction) -> None:
    if transaction.parent is not None or transaction.nested:
        return  # a savepoint ended; the request's transaction goes on
    session.info.pop(ASSISTING_KEY, None)
    session.info.pop(_CHANGES_KEY, None)


@dataclass
class Activity:
    event: AuditEvent
    lines: list[str]


def store_activity(user: User, store: Store, limit: int = 100) -> list[Activity]:
    """What facilitators did for this store, newest first (owner, her facilitator, staff).

    :raises PermissionDenied: anyone else.
    """
    if not (can(user, "store.manage", store) or can(user, "staff.work")):
        raise PermissionDenied()
    events = db.session.scalars(
        select(AuditEvent).where(
            or_(AuditEvent.subject_type == "store", AuditEvent.subject_type == "user"),
            or_(AuditEvent.subject_id == store.id, AuditEvent.subject_id == store.owner_id),
            AuditEvent.action.in_(("assist", "consent.give", "consent.withdraw",
                                   "caseload.assign")))
        .order_by(AuditEvent.id.desc()).limit(limit))
    result = []
    for ev in events:
        if (ev.action == "assist") != (ev.subject_type == "store"):
            continue
        changes = (ev.after or {}).get("changes", [])
        lines = [f"{CHANGE_LABELS[(c['table'], c['op'])]}"
                 + (f": {c['label']}" if c.get("label") else "")
                 for c in changes if (c.get("table"), c.get("op")) in CHANGE_LABELS]
        result.append(Activity(ev, lines))
    return result
