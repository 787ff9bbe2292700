"""Assisted onboarding: a facilitator registers an entrepreneur by phone; she sets her password."""

import secrets
from datetime import timedelta
from urllib.parse import quote

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.security import check_password_hash

from marketplace.clock import as_utc, utcnow
from marketplace.errors import Conflict, PermissionDenied, ValidationError
from marketplace.extensions import db
from marketplace.models import Store, User
from marketplace.models.people import Caseload, SetupCode
from marketplace.permissions import can
from marketplace.services.programme import facilitation
from marketplace.services.staff import audit
from marketplace.services.stores import storefront
from marketplace.services.users import accounts
from marketplace.validation import clean_text, normalise_email, normalise_phone

CODE_LIFETIME = timedelta(days=7)
MAX_ATTEMPTS = 5
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def phone_taken(phone: str) -> bool:
    return db.session.scalar(select(User.id).where(User.phone == phone).limit(1)) is not None


def register_entrepreneur(facilitator: User, *, name: str, phone: str,
                          consent: bool) -> User:
    """Create an account with a phone number only, in the facilitator's caseload.

    `consent`: she agreed, in person, that this facilitator may act for her store.

    :raises PermissionDenied: not a facilitator.
    :raises ValidationError: bad name or phone, or the phone already has an account.
    """
    profile = facilitation.require_facilitator(facilitator)
    errors = {}
    try:
        name = clean_text(name, 120, "name")
    except ValidationError as exc:
        errors["name"] = exc.message
    try:
        phone = normalise_phone(phone)
        if phone_taken(phone):
            errors["phone"] = _("An account with this phone number already exists.")
    except ValidationError as exc:
        errors["phone"] = exc.message
    if errors:
        raise ValidationError(next(iter(errors.values())), errors=errors)
    user = User(email=None, name=name, phone=phone, password_hash=accounts.UNSET_PASSWORD)
    db.session.add(user)
    db.session.flush()
    db.session.add(Caseload(entrepreneur=user, facilitator_id=profile.user_id,
                            source="facilitator"))
    audit.record(facilitator, "user.register_assisted", user, after={"phone": phone})
    db.session.flush()
    if consent:
        facilitation.set_consent(user, True, recorded_by=facilitator)
    return user


def open_store_for(facilitator: User, entrepreneur_id: int, **fields) -> Store:
    """Open her store on her behalf (with her consent); the payout account stays for her.

    :raises NotFound: she is not in this facilitator's caseload.
    :raises PermissionDenied: she has not given (or has withdrawn) consent.
    :raises ValidationError: a bad field.
    :raises Conflict: she already has a store.
    """
    row = facilitation.case_for(facilitator, entrepreneur_id)
    if not row.has_consent:
        raise PermissionDenied(_("She has not allowed you to act for her store."))
    profile = facilitation.require_facilitator(facilitator)
    store = storefront.open_store(row.entrepreneur, bank_name="", bank_account_number="",
                                  bank_account_holder="", **fields)
    if not profile.covers(store.province_code, store.regency):
        raise ValidationError(_("The store must be in your region."), field="regency")
    # The store was written before the facilitator could be noted as acting for it.
    can(facilitator, "store.manage", store)
    facilitation.note_change(db.session, store, "new")
    return store


def _code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def issue_setup_code(facilitator: User, entrepreneur_id: int) -> tuple[User, str]:
    """A new one-time code for her to set her password; earlier codes stop working.

    Only while she has not set a password herself: afterwards nobody else can reset it.

    :raises NotFound: she is not in this facilitator's caseload.
    :raises Conflict: she has already set her password.
    """
    row = facilitation.case_for(facilitator, entrepreneur_id)
    user = row.entrepreneur
    if user.password_hash != accounts.UNSET_PASSWORD:
        raise Conflict(_("She has already set her own password."))
    now = utcnow()
    for old in db.session.scalars(select(SetupCode).where(SetupCode.user_id == user.id,
                                                          SetupCode.used_at.is_(None))):
        old.used_at = now
    code = _code()
    db.session.add(SetupCode(user=user, code_hash=accounts.hash_password(code.replace("-", "")),
                             created_by_id=facilitator.id, expires_at=now + CODE_LIFETIME))
    audit.record(facilitator, "user.setup_code", user)
    db.session.flush()
    return user, code


def whatsapp_link(phone: str, message: str) -> str:
    """A wa.me link that opens WhatsApp with the message ready to send to this number."""
    return f"https://wa.me/{phone.lstrip('+')}?text={quote(message)}"


def redeem_setup_code(phone: str, code: str, password: str) -> User:
    """She sets her own password with the code her facilitator handed her.

    :raises ValidationError: wrong phone or code, expired or used code, or a weak password.
    """
    invalid = ValidationError(_("This phone number and code do not match a valid code. Ask "
                                "your facilitator for a new one."), field="code")
    try:
        phone = normalise_phone(phone)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="phone") from exc
    user = db.session.scalar(select(User).where(User.phone == phone,
                                                User.password_hash == accounts.UNSET_PASSWORD))
    row = user and db.session.scalar(
        select(SetupCode).where(SetupCode.user_id == user.id, SetupCode.used_at.is_(None))
        .order_by(SetupCode.id.desc()).with_for_update())
    if row is None or as_utc(row.expires_at) < utcnow() or row.attempts >= MAX_ATTEMPTS:
        raise invalid
    plain = (code or "").strip().upper().replace("-", "").replace(" ", "")
    if not check_password_hash(row.code_hash, plain):
        row.attempts += 1
        db.session.flush()
        raise invalid
    accounts.set_new_password(user, password)
    row.used_at = utcnow()
    audit.record(user, "user.setup_done", user)
    db.session.flush()
    return user


def add_email(user: User, email: str) -> User:
    """An account registered by phone adds an email (for receipts and password resets).

    :raises ValidationError: a bad email, or one another account uses.
    :raises Conflict: the account already has an email.
    """
    if user.email:
        raise Conflict(_("Your account already has an email."))
    email = normalise_email(email)
    if accounts.find_user_by_email(email):
        raise ValidationError(_("An account with this email already exists."), field="email")
    user.email = email
    db.session.flush()
    return user
