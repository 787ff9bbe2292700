"""The public catalogue: the same services as the HTML catalogue pages; no token needed."""

from blueprints.api.openapi import operation
from blueprints.api.serializers import (
    category_json,
    product_json,
    product_summary_json,
    store_json,
)
from marketplace.search.service import parse_query, search
from marketplace.services.catalog import all_categories, public_product, public_store


@operation("GET", "/categories", summary="All categories, parents first", tag="catalogue",
           response="CategoryList")
def categories():
    """Every category, parents first."""
    return {"items": [category_json(c) for c in all_categories()]}


@operation("GET", "/products", summary="Search public products (the parameters of /search)",
           tag="catalogue", response="ProductPage", query="ProductSearch",
           errors=(404,))
def products(query):
    """Search public products with the same parameters as /search."""
    # The checked values, spelled as /search receives them (the parser reads query strings).
    args = {name: str(value) for name, value in query.model_dump(exclude_none=True).items()}
    search_query, notices = parse_query(args, all_categories())
    result = search(search_query)
    return {"items": [product_summary_json(p) for p in result.items], "total": result.total,
            "page": search_query.page, "pages": result.pages,
            "notices": [str(n) for n in [*notices, *result.notices]]}


@operation("GET", "/products/<int:product_id>", summary="One public product with its variants",
           tag="catalogue", response="Product")
def product(product_id: int):
    """One public product."""
    return product_json(public_product(product_id))


@operation("GET", "/stores/<slug>", summary="One verified store", tag="catalogue",
           response="Store")
def store(slug: str):
    """One verified store."""
    return store_json(public_store(slug))
