"""The api area of the site."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from blueprints.api import views  # noqa: E402,F401
