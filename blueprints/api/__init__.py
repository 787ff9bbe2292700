"""The JSON API (/api/v1): the same services as the HTML pages, described by OpenAPI."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from blueprints.api import views  # noqa: E402,F401
