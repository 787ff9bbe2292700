"""First password for an account a facilitator registered by phone, with a one-time code."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from blueprints.auth import bp
from blueprints.auth.forms import ActivateForm
from blueprints.common import show_errors
from marketplace.errors import ValidationError
from marketplace.extensions import db, limiter
from marketplace.services import programme


@bp.route("/activate", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def activate():
    """She enters her phone number and the code (prefilled from the link) and a password."""
    form = ActivateForm(data={"phone": request.args.get("hp", ""),
                              "code": request.args.get("kode", "")})
    if form.validate_on_submit():
        try:
            user = programme.redeem_setup_code(form.phone.data, form.code.data,
                                               form.password.data)
        except ValidationError as exc:
            # The service changes nothing before it raises except the wrong-guess counter,
            # which must stick so a code cannot be guessed.
            db.session.commit()
            show_errors(form, exc)
            return render_template("auth/activate.html", form=form), 422
        login_user(user)
        db.session.commit()
        flash(_("Your password is set. Welcome to Pasar Mandiri, %(name)s!", name=user.name),
              "success")
        return redirect(url_for("vendor.activity") if user.is_vendor else url_for("main.home"))
    return render_template("auth/activate.html", form=form), 422 if form.is_submitted() else 200
