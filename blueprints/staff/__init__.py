"""Ministry staff: verification, featured vendors, moderation, payments, payouts, programme."""

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

from blueprints.staff import (  # noqa: E402,F401
    api_tokens,
    background,
    exchange,
    materials,
    payments,
    payouts,
    people,
    synonyms,
    users,
    views,
)
