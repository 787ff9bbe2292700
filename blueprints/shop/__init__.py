"""The shop area of the site."""

from flask import Blueprint

bp = Blueprint("shop", __name__)

from blueprints.shop import views  # noqa: E402,F401
