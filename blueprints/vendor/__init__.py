"""The vendor's own store: settings, products, orders and sales."""

from flask import Blueprint

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

from blueprints.vendor import activity, group, materials, orders, sales, views  # noqa: E402,F401
