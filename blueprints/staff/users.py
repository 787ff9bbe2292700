"""Staff pages for any account: find it, see it, end all its sessions (a lost phone)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import staff_required
from blueprints.staff import bp
from blueprints.staff.forms import ActionForm
from marketplace.extensions import db
from marketplace.permissions import can
from marketplace.services import users


@bp.get("/users")
@staff_required
def user_accounts():
    """Find an account by email, phone number or name."""
    query = request.args.get("q", "")[:100]
    return render_template("staff/users.html", query=query,
                           people=users.find_accounts(current_user, query))


@bp.get("/users/<int:user_id>")
@staff_required
def user_account(user_id: int):
    """One account: roles, status, last login, and ending its sessions."""
    person = users.get_account(current_user, user_id)
    return render_template("staff/user.html", person=person, action_form=ActionForm(),
                           may_end_sessions=can(current_user, "accounts.sessions", person))


@bp.post("/users/<int:user_id>/end-sessions")
@staff_required
def end_user_sessions(user_id: int):
    """Log the account out on every phone and computer; it logs in again with its password."""
    person = users.get_account(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    users.end_sessions_for(current_user, person)
    db.session.commit()
    flash(_("%(name)s is now logged out everywhere.", name=person.name), "success")
    return redirect(url_for("staff.user_account", user_id=person.id))
