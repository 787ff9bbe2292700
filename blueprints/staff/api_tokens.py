"""Service tokens for ministry systems: admins create (secret shown once) and revoke them."""

from flask_login import current_user

from blueprints.account.api_tokens import revoke_and_return, token_page
from blueprints.common import admin_required
from blueprints.staff import bp
from marketplace.models import ApiTokenKind
from marketplace.services import users


@bp.route("/service-tokens", methods=["GET", "POST"])
@admin_required
def service_tokens():
    return token_page(ApiTokenKind.SERVICE, "staff/service_tokens.html",
                      lambda: users.service_tokens(current_user))


@bp.post("/service-tokens/<int:token_id>/revoke")
@admin_required
def revoke_service_token(token_id: int):
    """Stop a ministry system's token working."""
    return revoke_and_return(token_id, "staff.service_tokens")
