"""The person's own API tokens: create one (its secret shown once), revoke one.

The admins' service-token pages (blueprints/staff/api_tokens.py) are the same two pages for
another kind of token, so both areas call `token_page` and `revoke_and_return`.
"""

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
from marketplace.services import users


def token_form(kind: ApiTokenKind) -> ApiTokenForm:
    return ApiTokenForm().offer(users.allowed_scopes(current_user, kind),
                                users.SCOPES, users.LIFETIMES)


def token_page(kind: ApiTokenKind, template: str, tokens) -> tuple[str, int]:
    """List and create: the secret appears in this one answer only, never in a redirect.

    `tokens` is called after a creation so the new token is in the list."""
    form = token_form(kind)
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = users.create_token(current_user, kind, form.name.data,
                                                form.scopes.data, form.days.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            form = token_form(kind)
            form.name.data = ""
    status = 422 if request.method == "POST" and secret is None else 200
    return render_template(template, form=form, secret=secret, tokens=tokens(),
                           action_form=Form()), status


def revoke_and_return(token_id: int, endpoint: str):
    if Form().validate_on_submit():
        users.revoke_token(current_user, token_id)
        db.session.commit()
        flash(_("The token has been revoked. It no longer works."), "success")
    return redirect(url_for(endpoint))


@bp.route("/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens_page():
    return token_page(ApiTokenKind.PERSONAL, "account/api_tokens.html",
                      lambda: users.tokens_of(current_user))


@bp.post("/api-tokens/<int:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    """Stop one of her tokens working."""
    return revoke_and_return(token_id, "account.api_tokens_page")
