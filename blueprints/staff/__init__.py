"""Ministry staff: verification, featured vendors, moderation, payments, payouts, programme."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from blueprints.staff import background, payments, payouts, people, views  # noqa: E402,F401
