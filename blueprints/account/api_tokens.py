"""The person's own API tokens: create one (its secret shown once), revoke one."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.account import bp
from blueprints.account.forms import ApiTokenForm
from blueprints.common import show_errors
from blueprints.forms import Form
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import ApiTokenKind
from marketplace.services import api_tokens


def token_form(kind: ApiTokenKind) -> ApiTokenForm:
    return ApiTokenForm().offer(api_tokens.allowed_scopes(current_user, kind),
                                api_tokens.SCOPES, api_tokens.LIFETIMES)


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens_page():
    """List, create: the secret appears in this one answer only, never in a redirect."""
    form = token_form(ApiTokenKind.PERSONAL)
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_tokens.create_token(current_user, ApiTokenKind.PERSONAL,
                                                     form.name.data, form.scopes.data,
                                                     form.days.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            form = token_form(ApiTokenKind.PERSONAL)
            form.name.data = ""
    status = 422 if request.method == "POST" and secret is None else 200
    return render_template("account/api_tokens.html", form=form, secret=secret,
                           tokens=api_tokens.tokens_of(current_user),
                           action_form=Form()), status


@bp.post("/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    """Stop one of her tokens working."""
    if Form().validate_on_submit():
        api_tokens.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("The token has been revoked. It no longer works."), "success")
    return redirect(url_for("account.api_tokens_page"))
