"""JSON endpoints over the same services as the HTML catalog pages."""

from flask import jsonify, request, url_for

from blueprints.api import bp
from blueprints.api.serializers import (
    category_json,
    product_json,
    product_summary_json,
    store_json,
)
from blueprints.api.spec import openapi_spec
from marketplace.search.service import parse_query, search
from marketplace.services.discovery import all_categories, public_product, public_store


@bp.get("/openapi.json")
def openapi():
    """The API's OpenAPI description."""
    return jsonify(openapi_spec(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@bp.get("/categories")
def categories():
    """Every category, parents first."""
    return jsonify(items=[category_json(c) for c in all_categories()])


@bp.get("/products")
def products():
    """Search public products with the same parameters as /search."""
    query, notices = parse_query(request.args, all_categories())
    result = search(query)
    return jsonify(items=[product_summary_json(p) for p in result.items], total=result.total,
                   page=query.page, pages=result.pages,
                   notices=[str(n) for n in [*notices, *result.notices]])


@bp.get("/products/<int:product_id>")
def product(product_id: int):
    """One public product."""
    return jsonify(product_json(public_product(product_id)))


@bp.get("/stores/<slug>")
def store(slug: str):
    """One verified store."""
    return jsonify(store_json(public_store(slug)))
