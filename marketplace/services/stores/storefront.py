"""Stores: opening one, its details and shipping options (staff decisions: verification)."""

from collections import Counter

from flask_babel import gettext as _
from slugify import slugify
from sqlalchemy import select

from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.images import accept_upload
from marketplace.models import CourierRate, Order, ShippingMethod, Store, User
from marketplace.permissions import can
from marketplace.regions import PROVINCES, check_province
from marketplace.validation import clean_text, normalise_phone

BANKS = ("BRI", "BNI", "Mandiri", "BSI", "BCA", "BTN", "Bank Jateng", "Bank Jatim", "Bank DKI",
         "Bank BJB", "CIMB Niaga", "Danamon", "Permata", "Bank Lainnya")


#: The payout account: only the owner herself may change it (never her facilitator).
PAYOUT_FIELDS = ("bank_name", "bank_account_number", "bank_account_holder")


def unique_store_slug(name: str) -> str:
    base = slugify(name, max_length=80) or "toko"
    taken = set(db.session.scalars(select(Store.slug).where(Store.slug.like(f"{base}%"))))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _store_fields(name, story, province_code, regency, whatsapp, participant_code,
                  bank_name, bank_account_number, bank_account_holder) -> dict:
    errors: dict = {}
    values: dict = {}

    def take(field, check):
        try:
            values[field] = check()
        except ValidationError as exc:
            errors[field] = exc.message

    take("name", lambda: clean_text(name, 80, "name"))
    take("story", lambda: clean_text(story, 5000, "story", required=False))
    take("province_code", lambda: check_province(province_code))
    take("regency", lambda: clean_text(regency, 120, "regency"))
    take("whatsapp", lambda: normalise_phone(whatsapp, "whatsapp"))
    take("participant_code", lambda: _participant_code(participant_code))
    if bank_name or bank_account_number or bank_account_holder:
        take("bank_name", lambda: _bank(bank_name))
        take("bank_account_number", lambda: _account_number(bank_account_number))
        take("bank_account_holder", lambda: clean_text(bank_account_holder, 120,
                                                       "bank_account_holder"))
    else:  # opened by her facilitator: only she gives the payout account, later
        values.update(bank_name="", bank_account_number="", bank_account_holder="")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    return values


def _participant_code(value: str | None) -> str | None:
    code = (value or "").strip().upper()
    if not code:
        return None
    if len(code) > 40 or not all(c.isalnum() or c in "-/." for c in code):
        raise ValidationError(_("Use only letters, numbers, '-', '/' and '.' (at most 40)."),
                              field="participant_code")
    return code


def _bank(value: str) -> str:
    if value not in BANKS:
        raise ValidationError(_("Choose a bank from the list."), field="bank_name")
    return value


def _account_number(value: str) -> str:
    digits = (value or "").replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 6 <= len(digits) <= 20:
        raise ValidationError(_("Enter the account number: 6 to 20 digits."),
                              field="bank_account_number")
    return digits


def open_store(owner: User, *, name: str, story: str = "", province_code: str, regency: str,
               whatsapp: str, bank_name: str, bank_account_number: str,
               bank_account_holder: str, participant_code: str | None = None) -> Store:
    """Apply for a store; it starts pending and is public only once staff verify it.

    :raises Conflict: the user already has a store.
    :raises ValidationError: a field is invalid (all bad fields are in `errors`).
    """
    if db.session.scalar(select(Store.id).where(Store.owner_id == owner.id)) is not None:
        raise Conflict(_("You already have a store."))
    values = _store_fields(name, story, province_code, regency, whatsapp, participant_code,
                           bank_name, bank_account_number, bank_account_holder)
    store = Store(owner=owner, slug=unique_store_slug(values["name"]), **values)
    owner.is_vendor = True
    db.session.add(store)
    db.session.flush()
    return store


def update_store(owner: User, store: Store, **fields) -> Store:
    """Change a store's details (the owner only); the slug stays, so shared links keep working.

    :raises PermissionDenied: not the owner.
    :raises ValidationError: a field is invalid.
    """
    if not can(owner, "store.manage", store):
        raise PermissionDenied()
    current = {k: getattr(store, k) for k in (
        "name", "story", "province_code", "regency", "whatsapp", "participant_code",
        "bank_name", "bank_account_number", "bank_account_holder")}
    if not can(owner, "store.payouts", store) and any(
            fields.get(k, current[k]) != current[k] for k in PAYOUT_FIELDS):
        raise ValidationError(_("Only the store's owner can change the payout bank account."),
                              field="bank_account_number")
    current.update(fields)
    for key, value in _store_fields(**current).items():
        setattr(store, key, value)
    db.session.flush()
    return store


def store_of(user: User) -> Store | None:
    """The user's own store, if they have opened one."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(Store).where(Store.owner_id == user.id))


# --- storefront settings ----------------------------------------------------------------------

MAX_DELIVERY_FEE = 1_000_000
MAX_COURIER_FEE = 5_000_000


def _fee(value, field: str, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        limit = f"{maximum:,}".replace(",", ".")
        raise ValidationError(_("Enter a fee in whole rupiah, from 0 to %(max)s.", max=limit),
                              field=field)
    return value


def set_store_image(owner: User, store: Store, kind: str, data: bytes | None) -> Store:
    """Set (or with None, remove) the store's logo or banner through the image pipeline.

    :raises PermissionDenied: not the owner.
    :raises ValidationError: the file is not an acceptable photo.
    """
    if not can(owner, "store.manage", store):
        raise PermissionDenied()
    if kind not in ("logo", "banner"):
        raise ValueError(kind)
    setattr(store, kind, accept_upload(data, field=kind) if data is not None else None)
    db.session.flush()
    return store


def update_shipping(owner: User, store: Store, *, self_delivery_enabled: bool,
                    self_delivery_fee: int, pickup_enabled: bool, pickup_address: str | None,
                    courier_enabled: bool, courier_rates: dict[str, int],
                    courier_fee_all: int | None = None) -> Store:
    """Choose how buyers receive goods: self-delivery within the regency (with a fee), pickup
    at an address, and/or a courier with a flat ongkir per destination province. With
    `courier_fee_all` every province gets that fee except those in `courier_rates`; without
    it, only the provinces in `courier_rates` are served.

    :raises PermissionDenied: not the owner.
    :raises ValidationError: no option chosen, or a missing/invalid fee or address.
    """
    if not can(owner, "store.manage", store):
        raise PermissionDenied()
    errors: dict = {}
    fee = 0
    if self_delivery_enabled:
        try:
            fee = _fee(self_delivery_fee, "self_delivery_fee", MAX_DELIVERY_FEE)
        except ValidationError as exc:
            errors["self_delivery_fee"] = exc.message
    address = None
    try:
        address = clean_text(pickup_address, 500, "pickup_address", required=False) or None
    except ValidationError as exc:
        errors["pickup_address"] = exc.message
    if pickup_enabled and address is None and "pickup_address" not in errors:
        errors["pickup_address"] = _("Enter the address where buyers pick up, or switch "
                                     "pickup off.")
    rates: dict[str, int] = {}
    if courier_fee_all is not None:
        try:
            everywhere = _fee(courier_fee_all, "courier_fee_all", MAX_COURIER_FEE)
            rates = dict.fromkeys(PROVINCES, everywhere)
        except ValidationError as exc:
            errors["courier_fee_all"] = exc.message
    for code, value in (courier_rates or {}).items():
        if value is None or value == "":
            continue
        try:
            rates[check_province(code, "courier_rates")] = _fee(value, "courier_rates",
                                                                MAX_COURIER_FEE)
        except ValidationError as exc:
            errors["courier_rates"] = exc.message
    if courier_enabled and not rates and not {"courier_rates", "courier_fee_all"} & set(errors):
        errors["courier_fee_all"] = _("Enter the courier fee for all provinces, or for at "
                                      "least one province.")
    if not (self_delivery_enabled or pickup_enabled or courier_enabled):
        errors["self_delivery_enabled"] = _("Choose at least one way for buyers to receive "
                                            "their goods.")
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    store.self_delivery_enabled = bool(self_delivery_enabled)
    store.self_delivery_fee = fee
    store.pickup_enabled = bool(pickup_enabled)
    store.pickup_address = address
    store.courier_enabled = bool(courier_enabled)
    existing = {rate.province_code: rate for rate in store.courier_rates}
    for code, rate in existing.items():
        if code not in rates:
            store.courier_rates.remove(rate)
    for code, value in rates.items():
        if code in existing:
            existing[code].fee = value
        else:
            store.courier_rates.append(CourierRate(province_code=code, fee=value))
    db.session.flush()
    return store


def courier_fees(store: Store) -> tuple[int | None, dict[str, int]]:
    """The store's courier rates as the vendor enters them: one fee for all provinces (when
    every province is served, the most common fee) and the provinces that differ from it."""
    rates = {rate.province_code: rate.fee for rate in store.courier_rates}
    if not rates or set(rates) != set(PROVINCES):
        return None, rates
    # The most common fee; on a tie the lower one, so the same rates always read the same.
    everywhere = max(Counter(rates.values()).items(), key=lambda item: (item[1], -item[0]))[0]
    return everywhere, {code: fee for code, fee in rates.items() if fee != everywhere}


def pickup_address(order: Order) -> str | None:
    """Where the buyer collects a pickup order: the store's pickup address as it is now (a
    store that moves tells her the new place). None for a delivered order, and when the store
    has since emptied its address."""
    if order.shipping_method != ShippingMethod.PICKUP:
        return None
    return order.store.pickup_place


def store_by_slug(slug: str) -> Store:
    """Any store by its slug (staff tools and the CLI).

    :raises NotFound: no such store.
    """
    store = db.session.scalar(select(Store).where(Store.slug == (slug or "").strip().lower()))
    if store is None:
        raise NotFound()
    return store
