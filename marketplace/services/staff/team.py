"""Staff accounts: admins create, disable and re-enable them; nobody else grants roles."""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import User
from marketplace.permissions import require
from marketplace.services.users import accounts

STAFF_ROLES = ("staff", "admin")


def staff_accounts(admin: User) -> list[User]:
    """Every staff and admin account, active ones first, by name."""
    require(admin, "admin.accounts")
    return list(db.session.scalars(
        select(User).where(or_(User.is_staff.is_(True), User.is_admin.is_(True)))
        .order_by(User.active.desc(), User.name, User.id)))


def get_staff_account(admin: User, user_id: int) -> User:
    """A staff or admin account by id; other accounts are not found here.

    :raises PermissionDenied: the actor is not an admin.
    :raises NotFound: no such account, or it is not a staff account.
    """
    require(admin, "admin.accounts")
    user = db.session.get(User, user_id)
    if user is None or not (user.is_staff or user.is_admin):
        raise NotFound(_("There is no staff account with that number."))
    return user


def create_staff(admin: User, email: str, name: str, password: str,
                 role: str = "staff") -> User:
    """Create a staff (or admin) account; recorded in the audit log.

    :raises PermissionDenied: the actor is not an admin.
    :raises ValidationError: bad role or field, or the email is taken.
    """
    require(admin, "admin.accounts")
    if role not in STAFF_ROLES:
        raise ValidationError(_("Choose staff or admin."), field="role")
    user = accounts.create_user(email, password, role, name=name, actor=admin)
    db.session.flush()
    return user


def set_staff_active(admin: User, user: User, active: bool) -> User:
    """Disable or re-enable a staff account (never one's own).

    :raises PermissionDenied: not an admin, or acting on oneself.
    :raises ValidationError: the account is already in that state.
    """
    require(admin, "admin.accounts")
    if user.active == active:
        raise ValidationError(_("This account is already active.") if active
                              else _("This account is already disabled."))
    accounts.set_active(admin, user, active)
    db.session.flush()
    return user
