"""Raw materials (bahan baku): needs, verified suppliers' offers, demand by region, group purchases.

Matching and aggregation only: no payments; people reach each other by a WhatsApp link.
"""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from marketplace.clock import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import Store, User
from marketplace.models.people import (
    GroupPurchase,
    GroupPurchaseMember,
    MaterialNeed,
    MaterialOffer,
    SupplierProfile,
)
from marketplace.permissions import is_signed_in, require
from marketplace.regions import check_province
from marketplace.services.staff import audit
from marketplace.validation import clean_text, normalise_phone

UNITS = {"kg": _l("kg"), "liter": _l("litre"), "meter": _l("metre"), "pcs": _l("pieces"),
         "pack": _l("packs")}
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = 100_000_000


def _material(value: str) -> str:
    return " ".join(clean_text(value, 80, "material").lower().split())


def _unit(value: str) -> str:
    if value not in UNITS:
        raise ValidationError(_("Choose a unit from the list."), field="unit")
    return value


def _whole(value, field: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(_("Enter a whole number from 1 to %(max)d.", max=maximum),
                              field=field)
    return value


def _collect(checks: dict) -> dict:
    values, errors = {}, {}
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as exc:
            errors[field] = exc.message
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return values


# --- suppliers ---------------------------------------------------------------------------------

def supplier_of(user: User) -> SupplierProfile | None:
    """The user's supplier profile, if they applied."""
    if not is_signed_in(user):
        return None
    return db.session.scalar(select(SupplierProfile).where(SupplierProfile.user_id == user.id))


def apply_as_supplier(user: User, *, business_name: str, province_code: str,
                      whatsapp: str) -> SupplierProfile:
    """Apply to offer raw materials; staff verify the business first.

    :raises Conflict: already applied.
    :raises ValidationError: a bad field.
    """
    if supplier_of(user) is not None:
        raise Conflict(_("You have already applied as a supplier."))
    values = _collect({
        "business_name": lambda: clean_text(business_name, 120, "business_name"),
        "province_code": lambda: check_province(province_code),
        "whatsapp": lambda: normalise_phone(whatsapp, "whatsapp"),
    })
    profile = SupplierProfile(user_id=user.id, **values)
    db.session.add(profile)
    db.session.flush()
    return profile


def supplier_queue(staff: User) -> list[SupplierProfile]:
    """Suppliers waiting for a decision, oldest first (staff)."""
    require(staff, "staff.work")
    return list(db.session.scalars(select(SupplierProfile).where(
        SupplierProfile.status == "pending").order_by(SupplierProfile.id)))


def decide_supplier(staff: User, profile_id: int, verify: bool) -> SupplierProfile:
    """Verify (the offers become visible) or reject a pending supplier; audited.

    :raises PermissionDenied: not staff.
    :raises NotFound: no such supplier.
    :raises Conflict: already decided.
    """
    require(staff, "staff.work")
    profile = db.session.get(SupplierProfile, profile_id)
    if profile is None:
        raise NotFound()
    if profile.status != "pending":
        raise Conflict(_("This supplier has already been decided."))
    profile.status = "verified" if verify else "rejected"
    profile.decided_by_id, profile.decided_at = staff.id, utcnow()
    profile.user.is_supplier = verify
    audit.record(staff, "supplier.verify" if verify else "supplier.reject", profile,
                 {"status": "pending"}, {"status": profile.status})
    db.session.flush()
    return profile


def post_offer(user: User, *, material: str, unit: str, unit_price: int, min_quantity: int,
               province_code: str) -> MaterialOffer:
    """A verified supplier offers a material to a province.

    :raises PermissionDenied: not a verified supplier.
    :raises ValidationError: a bad field.
    """
    profile = supplier_of(user)
    if profile is None or profile.status != "verified" or not user.is_supplier:
        raise PermissionDenied(_("Only suppliers verified by staff can post offers."))
    values = _collect({
        "material": lambda: _material(material), "unit": lambda: _unit(unit),
        "unit_price": lambda: _whole(unit_price, "unit_price", MAX_UNIT_PRICE),
        "min_quantity": lambda: _whole(min_quantity, "min_quantity", MAX_QUANTITY),
        "province_code": lambda: check_province(province_code),
    })
    offer = MaterialOffer(supplier=profile, **values)
    db.session.add(offer)
    db.session.flush()
    return offer


def offers_of(user: User) -> list[MaterialOffer]:
    """A supplier's own offers, newest first."""
    profile = supplier_of(user)
    if profile is None:
        return []
    return list(db.session.scalars(select(MaterialOffer).where(
        MaterialOffer.supplier_id == profile.id).order_by(MaterialOffer.id.desc())))


# --- entrepreneurs' needs ------------------------------------------------------------------------

def _store_of(user: User) -> Store:
    store = db.session.scalar(select(Store).where(Store.owner_id == user.id))
    if store is None:
        raise PermissionDenied(_("Open your store first."))
    return store


def post_need(user: User, *, material: str, quantity: int, unit: str,
              needed_by: date | None) -> MaterialNeed:
    """An entrepreneur posts a raw material she needs, for her store's province.

    :raises PermissionDenied: she has no store.
    :raises ValidationError: a bad field, or a date in the past.
    """
    store = _store_of(user)

    def when():
        if not isinstance(needed_by, date) or needed_by < date.today():
            raise ValidationError(_("Enter a date from today on."), field="needed_by")
        return needed_by

    values = _collect({"material": lambda: _material(material),
                       "quantity": lambda: _whole(quantity, "quantity", MAX_QUANTITY),
                       "unit": lambda: _unit(unit), "needed_by": when})
    need = MaterialNeed(user_id=user.id, province_code=store.province_code, **values)
    db.session.add(need)
    db.session.flush()
    return need


def needs_of(user: User) -> list[MaterialNeed]:
    """Her own open needs, soonest first."""
    return list(db.session.scalars(select(MaterialNeed).where(
        MaterialNeed.user_id == user.id, MaterialNeed.closed_at.is_(None))
        .order_by(MaterialNeed.needed_by)))


def close_need(user: User, need_id: int) -> MaterialNeed:
    """She no longer needs it.

    :raises NotFound: not one of her open needs.
    """
    need = db.session.get(MaterialNeed, need_id)
    if need is None or need.user_id != user.id or need.closed_at is not None:
        raise NotFound()
    need.closed_at = utcnow()
    db.session.flush()
    return need


def offers_for(user: User) -> list[MaterialOffer]:
    """Verified suppliers' offers in her province for materials she needs."""
    store = _store_of(user)
    wanted = {n.material for n in needs_of(user)}
    if not wanted:
        return []
    return list(db.session.scalars(
        select(MaterialOffer).join(SupplierProfile)
        .where(SupplierProfile.status == "verified", MaterialOffer.province_code ==
               store.province_code, MaterialOffer.material.in_(wanted))
        .order_by(MaterialOffer.material, MaterialOffer.unit_price)))


# --- demand and group purchases ----------------------------------------------------------------

def demand(staff: User, province_code: str = "") -> list[tuple[str, str, str, int, int]]:
    """Open needs added up: (province, material, unit, total quantity, entrepreneurs), largest
    first (staff)."""
    require(staff, "staff.work")
    n = MaterialNeed
    stmt = (select(n.province_code, n.material, n.unit, func.sum(n.quantity),
                   func.count(func.distinct(n.user_id)))
            .where(n.closed_at.is_(None))
            .group_by(n.province_code, n.material, n.unit)
            .order_by(func.sum(n.quantity).desc()).limit(500))
    if province_code:
        stmt = stmt.where(n.province_code == province_code)
    return [tuple(row) for row in db.session.execute(stmt)]


def open_group_purchase(staff: User, *, material: str, unit: str, province_code: str,
                        note: str = "") -> GroupPurchase:
    """Staff open a group purchase for a material in a province; audited.

    :raises PermissionDenied: not staff.
    :raises ValidationError: a bad field.
    """
    require(staff, "staff.work")
    values = _collect({"material": lambda: _material(material), "unit": lambda: _unit(unit),
                       "province_code": lambda: check_province(province_code),
                       "note": lambda: clean_text(note, 2000, "note", required=False)})
    purchase = GroupPurchase(created_by_id=staff.id, **values)
    db.session.add(purchase)
    db.session.flush()
    audit.record(staff, "group_purchase.open", purchase, after=values)
    return purchase


def group_purchases(actor: User, province_code: str = "") -> list[GroupPurchase]:
    """Open group purchases: staff see all (or one province); an entrepreneur her province's."""
    stmt = select(GroupPurchase).where(GroupPurchase.closed_at.is_(None))
    try:
        require(actor, "staff.work")
    except PermissionDenied:
        province_code = _store_of(actor).province_code
    if province_code:
        stmt = stmt.where(GroupPurchase.province_code == province_code)
    return list(db.session.scalars(stmt.order_by(GroupPurchase.id.desc())))


def join_group_purchase(user: User, purchase_id: int, quantity: int) -> GroupPurchaseMember:
    """An entrepreneur joins an open group purchase of her province (or changes her quantity).

    :raises PermissionDenied: no store.
    :raises NotFound: no open purchase of that number in her province.
    :raises ValidationError: a bad quantity.
    """
    store = _store_of(user)
    purchase = db.session.get(GroupPurchase, purchase_id)
    if (purchase is None or purchase.closed_at is not None
            or purchase.province_code != store.province_code):
        raise NotFound()
    quantity = _whole(quantity, "quantity", MAX_QUANTITY)
    row = db.session.scalar(select(GroupPurchaseMember).where(
        GroupPurchaseMember.purchase_id == purchase.id, GroupPurchaseMember.user_id == user.id))
    if row is None:
        row = GroupPurchaseMember(purchase=purchase, user_id=user.id, quantity=quantity)
        db.session.add(row)
    else:
        row.quantity = quantity
    db.session.flush()
    return row
