"""Profile and change password."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.account import bp
from blueprints.account.forms import ChangePasswordForm, ProfileForm
from blueprints.auth.sessions import sign_in_again
from blueprints.common import show_errors
from blueprints.i18n import LANG_COOKIE
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.services import accounts


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Name, phone and language."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user, form.name.data, form.phone.data,
                                    form.locale.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            response = redirect(url_for("account.profile"))
            response.set_cookie(LANG_COOKIE, current_user.locale or "id",
                                max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
            return response
    status = 422 if request.method == "POST" else 200
    return render_template("account/profile.html", form=form), status


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password, knowing the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            # The new password ended every session of the account, this one included.
            sign_in_again(current_user._get_current_object())
            flash(_("Your password has been changed. You are logged out everywhere else."),
                  "success")
            return redirect(url_for("account.profile"))
    status = 422 if request.method == "POST" else 200
    return render_template("account/password.html", form=form), status
