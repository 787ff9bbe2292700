"""Service tokens for ministry systems: admins create (secret shown once) and revoke them."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.account.api_tokens import token_form
from blueprints.common import admin_required, show_errors
from blueprints.forms import Form
from blueprints.staff import bp
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import ApiTokenKind
from marketplace.services import api_tokens


@bp.route("/service-tokens", methods=["GET", "POST"])
@admin_required
def service_tokens():
    """List and create service tokens; the secret appears in this one answer only."""
    form = token_form(ApiTokenKind.SERVICE)
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create_token(current_user, ApiTokenKind.SERVICE,
                                                     form.name.data, form.scopes.data,
                                                     form.days.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            form = token_form(ApiTokenKind.SERVICE)
            form.name.data = ""
    status = 422 if request.method == "POST" and secret is None else 200
    return render_template("staff/service_tokens.html", form=form, secret=secret,
                           tokens=api_tokens.service_tokens(current_user),
                           action_form=Form()), status


@bp.post("/service-tokens/<int:token_id>/revoke")
@admin_required
def revoke_service_token(token_id: int):
    """Stop a ministry system's token working."""
    if Form().validate_on_submit():
        api_tokens.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("The token has been revoked. It no longer works."), "success")
    return redirect(url_for("staff.service_tokens"))
