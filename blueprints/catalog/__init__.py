"""The catalog area of the site."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)

from blueprints.catalog import reports, views  # noqa: E402,F401  (reports: issue 7)
