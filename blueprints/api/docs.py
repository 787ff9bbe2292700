"""The OpenAPI document and its reference page, both built from the declared operations."""

from flask import jsonify, render_template, url_for

from blueprints.api import bp
from blueprints.api.openapi import openapi_document


def _document() -> dict:
    return openapi_document(url_for("api.openapi", _external=True).rsplit("/", 1)[0])


@bp.get("/v1/openapi.json")
def openapi():
    """The API's OpenAPI 3.1 description."""
    return jsonify(_document())


@bp.get("/docs")
def reference():
    """A readable reference of every operation, rendered on the server: works offline."""
    return render_template("api/docs.html", spec=_document())
