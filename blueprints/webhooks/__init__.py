"""The webhooks area of the site."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from blueprints.webhooks import views  # noqa: E402,F401
