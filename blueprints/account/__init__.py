"""The signed-in person's own account: profile, password, orders."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from blueprints.account import (  # noqa: E402,F401
    api_tokens,
    fulfilment,
    orders,
    people,
    supplier,
    views,
)
