"""The staff area of the site."""

from flask import Blueprint

bp = Blueprint("staff", __name__)

from blueprints.staff import views  # noqa: E402,F401
