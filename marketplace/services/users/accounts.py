"""Accounts: registration, authentication, passwords, sessions, roles and profile."""

import contextlib

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.clock import utcnow
from marketplace.errors import NotFound, PermissionDenied, ServiceUnavailable, ValidationError
from marketplace.extensions import db
from marketplace.mail import email_links_configured, page_link, queue_email
from marketplace.models import User
from marketplace.permissions import can, require
from marketplace.services.staff import audit
from marketplace.validation import (
    canonical_email,
    check_password_strength,
    clean_text,
    db_int,
    normalise_email,
    normalise_phone,
)

ROLES = ("buyer", "vendor", "staff", "admin")
#: The password hash of an account a facilitator registered, until she sets her own password:
#: it matches no password (werkzeug refuses a hash without a method).
UNSET_PASSWORD = "!unset"  # noqa: S105 (a marker, not a secret)
_RESET_SALT = "password-reset"
# A real hash to compare against when the email is unknown, so both paths take as long.
_DUMMY_HASH: dict[str, str] = {}


def hash_password(password: str) -> str:
    """A salted hash with the configured method (cheap in tests)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == canonical_email(email)))


def register_user(email: str, name: str, password: str, phone: str | None = None,
                  locale: str | None = None) -> User:
    """Create a buyer account. Staff and admin are never self-registered.

    :raises ValidationError: bad field, weak password or email already registered.
    """
    email = normalise_email(email)
    name = clean_text(name, 120, "name")
    phone = normalise_phone(phone) if phone else None
    check_password_strength(password, email)
    if find_user_by_email(email):
        raise ValidationError(_("An account with this email already exists."), field="email")
    user = User(email=email, name=name, phone=phone, password_hash=hash_password(password),
                locale=locale if locale in current_app.config["LANGUAGES"] else None)
    db.session.add(user)
    db.session.flush()
    return user


def create_user(email: str, password: str, role: str, name: str | None = None,
                actor: User | None = None) -> User:
    """Create an account with a role (CLI, or an admin creating staff).

    :raises ValidationError: unknown role or bad field.
    :raises PermissionDenied: an actor who is not an admin grants staff or admin.
    """
    if role not in ROLES:
        raise ValidationError(_("Unknown role."), field="role")
    if actor is not None and role in ("staff", "admin") and not can(actor, "admin.accounts"):
        raise PermissionDenied()
    user = register_user(email, name or email.split("@")[0], password)
    user.is_vendor = role == "vendor"
    user.is_staff = role in ("staff", "admin")
    user.is_admin = role == "admin"
    if actor is not None:
        audit.record(actor, "user.create", user, after={"email": user.email, "role": role})
    return user


def _login_candidates(identifier: str) -> list[User]:
    # An email, or a phone number in any common Indonesian form (08.., +628.., 628..).
    if "@" in (identifier or ""):
        user = find_user_by_email(identifier)
        return [user] if user else []
    try:
        phone = normalise_phone(identifier)
    except ValidationError:
        return []
    return list(db.session.scalars(select(User).where(User.phone == phone).order_by(User.id)
                                   .limit(5)))


def authenticate(identifier: str, password: str) -> User | None:
    """The user if the email (or phone) and password match an active account; None otherwise."""
    candidates = _login_candidates(identifier)
    if not candidates:
        if "hash" not in _DUMMY_HASH:
            _DUMMY_HASH["hash"] = hash_password("not-a-real-password-0")
        check_password_hash(_DUMMY_HASH["hash"], password or "")
        return None
    user = next((u for u in candidates if check_password_hash(u.password_hash, password or "")),
                None)
    if user is None or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """:raises ValidationError: the current password is wrong or the new one is weak."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationError(_("Your current password is not correct."), field="current")
    set_new_password(user, new)


def set_new_password(user: User, new: str) -> None:
    """Set the password and end every session and remember cookie of the account (the web
    layer signs the changing browser in again).

    :raises ValidationError: the new password is weak.
    """
    check_password_strength(new, user.email or "")
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_sessions(user)


# --- sessions ---------------------------------------------------------------------------------
# Sessions live in signed cookies, so nothing on the server lists them. Each cookie names the
# account's session version (User.get_id); raising the version turns every cookie issued before
# into an anonymous visitor, on every phone at once.

def session_user(session_id: str) -> User | None:
    """The account a session or remember cookie names, if the cookie is still current."""
    user_id, _sep, version = (session_id or "").partition(":")
    number, version_number = db_int(user_id), db_int(version)
    if number is None or version_number is None:
        return None
    user = db.session.get(User, number)
    return user if user is not None and user.session_version == version_number else None


def end_sessions(user: User) -> None:
    """End every session of the account (logout, a new password, disabling it)."""
    # Incremented in SQL, so two at once (a logout racing a password change) both count.
    user.session_version = User.session_version + 1
    db.session.flush()


def end_sessions_for(actor: User, user: User) -> None:
    """Staff end every session of an account (a lost phone, a shared password); audited.

    :raises PermissionDenied: not staff, or a staff account and the actor is not an admin.
    """
    require(actor, "accounts.sessions", user)
    before = {"session_version": user.session_version}
    end_sessions(user)
    audit.record(actor, "user.end_sessions", user, before,
                 {"session_version": user.session_version})


def find_accounts(actor: User, query: str, limit: int = 20) -> list[User]:
    """Accounts whose email, phone or name matches, for staff helping someone.

    :raises PermissionDenied: the actor is not staff.
    """
    require(actor, "staff.work")
    query = (query or "").strip()[:100]
    if not query:
        return []
    conditions = [User.name.icontains(query, autoescape=True)]
    if "@" in query:
        conditions.append(User.email == canonical_email(query))
    else:
        with contextlib.suppress(ValidationError):  # not a phone number: the name match alone
            conditions.append(User.phone == normalise_phone(query))
    return list(db.session.scalars(select(User).where(or_(*conditions))
                                   .order_by(User.name, User.id).limit(limit)))


def get_account(actor: User, user_id: int) -> User:
    """One account, for the staff account page.

    :raises PermissionDenied: the actor is not staff.
    :raises NotFound: no such account.
    """
    require(actor, "staff.work")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("There is no account with that number."))
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_RESET_SALT)


def _fingerprint(user: User) -> str:
    # Part of the token: a reset link stops working once the password has changed.
    return user.password_hash[-12:]


def request_password_reset(email: str) -> None:
    """Email a signed, expiring reset link if the account exists; silent otherwise.

    :raises ServiceUnavailable: production without SERVER_NAME (the link would be wrong).
    """
    if not email_links_configured():
        raise ServiceUnavailable(_("Password reset by email is not available right now. "
                                   "Please try again later or contact us."))
    user = find_user_by_email(email) if email else None
    if user is None or not user.active:
        return
    token = _serializer().dumps({"u": user.id, "f": _fingerprint(user)})
    link = page_link("auth.reset_password", token=token)
    queue_email(
        user.email,
        _("Reset your Pasar Mandiri password"),
        _(
            "Hello %(name)s,\n\nOpen this link to choose a new password. It works for one hour "
            "and only once:\n%(link)s\n\nIf you did not ask for this, ignore this email.",
            name=user.name, link=link,
        ),
    )


def reset_password(token: str, new: str) -> User:
    """:raises ValidationError: the token is forged, expired or used, or the password weak."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["PASSWORD_RESET_MAX_AGE"])
    except SignatureExpired as exc:
        raise ValidationError(_("This reset link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ValidationError(_("This reset link is not valid.")) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user):
        raise ValidationError(_("This reset link is not valid."))
    set_new_password(user, new)
    return user


def update_profile(user: User, name: str, phone: str | None, locale: str | None) -> None:
    """:raises ValidationError: bad name, phone or language."""
    user.name = clean_text(name, 120, "name")
    user.phone = normalise_phone(phone) if phone else None
    if locale and locale not in current_app.config["LANGUAGES"]:
        raise ValidationError(_("Unknown language."), field="locale")
    user.locale = locale or None


def set_active(admin: User, user: User, active: bool) -> None:
    """Disable or re-enable an account (admins only; never their own).

    :raises PermissionDenied: the actor is not an admin, or acts on themself.
    """
    if not can(admin, "admin.accounts") or admin.id == user.id:
        raise PermissionDenied()
    before = {"active": user.active}
    user.active = active
    if not active:
        end_sessions(user)
    audit.record(admin, "user.enable" if active else "user.disable", user, before,
                 {"active": active})


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0
