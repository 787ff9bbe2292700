"""The vendor area of the site."""

from flask import Blueprint

bp = Blueprint("vendor", __name__)

from blueprints.vendor import views  # noqa: E402,F401
