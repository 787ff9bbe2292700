"""Ministry staff: verification, featured vendors, moderation, payments, payouts, programme."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from blueprints.staff import payments, payouts, synonyms, views  # noqa: E402,F401
