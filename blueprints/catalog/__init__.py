"""The catalog area of the site."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from blueprints.catalog import views  # noqa: E402,F401
