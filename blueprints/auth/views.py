"""Register, log in, log out and reset a forgotten password."""

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user

from blueprints.auth import bp
from blueprints.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    RegisterForm,
    ResetPasswordForm,
)
from blueprints.auth.sessions import end_browser_session
from blueprints.common import redirect_next, safe_next, show_errors, submit, template_page
from marketplace.errors import ValidationError
from marketplace.extensions import db, limiter
from marketplace.services import users
from marketplace.services.orders import merge_guest_cart
from marketplace.validation import canonical_email


def _account_key() -> str:
    return "login-account:" + canonical_email(request.form.get("email"))


def _account_ip_key() -> str:
    return f"{_account_key()}|{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code == 401


# Three limits (README, "Login limits"): per client IP; per (account, IP), so whoever guesses a
# vendor's password locks out only themselves; and a slower one per account over every IP,
# counting failures only, which bounds a distributed guess without letting one attacker
# lock the owner out.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_IP"], methods=["POST"],
               key_func=_account_ip_key, deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed)
def login():
    """Log in; unknown email and wrong password get the same message."""
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            merge_guest_cart(user, session.pop("cart_token", None))
            db.session.commit()
            return redirect_next()
        flash(_("The email or password is not correct."), "error")
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, next=safe_next()), status


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_LIMIT"], methods=["POST"])
def register():
    """Create a buyer account and log in."""
    form = RegisterForm()

    def register_and_sign_in():
        user = users.register_user(form.email.data, form.name.data, form.password.data,
                                   phone=form.phone.data, locale=request.cookies.get("lang"))
        login_user(user)
        merge_guest_cart(user, session.pop("cart_token", None))
        return user

    return submit(form, register_and_sign_in,
                  done=lambda user: _("Welcome to Pasar Mandiri, %(name)s!", name=user.name),
                  next_url=safe_next(),
                  page=template_page("auth/register.html", form=form, next=safe_next()))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    """GET asks for confirmation; POST (with the CSRF token) logs out."""
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            # A copy of this browser's cookies must not outlive the logout.
            users.end_sessions(current_user)
            db.session.commit()
        end_browser_session()
        flash(_("You have logged out."), "success")
        return redirect(url_for("main.home"))
    if not current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return render_template("auth/logout.html", form=form), 400 if request.method == "POST" else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    """Email a reset link; the answer is the same whether or not the email is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        users.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses that email, we have sent it a link to reset the password."),
              "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an emailed link."""
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(token, form.password.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
            return render_template("auth/reset.html", form=form), 400
        db.session.commit()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if request.method == "POST" else 200
