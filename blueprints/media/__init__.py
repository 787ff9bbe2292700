"""The media area of the site."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from blueprints.media import views  # noqa: E402,F401
