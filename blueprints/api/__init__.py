"""The JSON API (/api/v1) and its reference (/api/docs): the same services as the HTML pages,
each operation declared once with the schemas that validate it and document it."""

from flask import Blueprint

from marketplace.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api")
# Bearer tokens in a header are not sent by a browser on its own: no CSRF to guard against.
csrf.exempt(bp)

from blueprints.api import catalog, docs, ministry, vendor  # noqa: E402,F401
