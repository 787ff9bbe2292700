"""Profile and change password."""

from flask import redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.account import bp
from blueprints.account.forms import ChangePasswordForm, ProfileForm
from blueprints.auth.sessions import sign_in_again
from blueprints.common import submit, template_page
from blueprints.i18n import LANG_COOKIE
from marketplace.services import users


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """Name, phone and language."""
    form = ProfileForm(obj=current_user)

    def with_language_cookie(_result):
        response = redirect(url_for("account.profile"))
        response.set_cookie(LANG_COOKIE, current_user.locale or "id",
                            max_age=365 * 24 * 3600, httponly=True, samesite="Lax")
        return response

    return submit(form, lambda: users.update_profile(current_user, form.name.data,
                                                     form.phone.data, form.locale.data),
                  done=_("Your profile has been saved."), next_url=with_language_cookie,
                  page=template_page("account/profile.html", form=form))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password, knowing the current one."""
    form = ChangePasswordForm()

    def signed_in_again(_result):
        # The new password ended every session of the account, this one included.
        sign_in_again(current_user._get_current_object())
        return url_for("account.profile")

    return submit(form, lambda: users.change_password(current_user, form.current.data,
                                                      form.password.data),
                  done=_("Your password has been changed. You are logged out everywhere else."),
                  next_url=signed_in_again,
                  page=template_page("account/password.html", form=form))
