"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json."""

_ERROR = {"type": "object", "properties": {"error": {"type": "string"},
                                           "errors": {"type": "object"}}}
_STORE_SUMMARY = {
    "type": "object",
    "properties": {"slug": {"type": "string"}, "name": {"type": "string"},
                   "province_code": {"type": "string"}, "province": {"type": "string"},
                   "regency": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
}
_PRODUCT_SUMMARY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "price_min": {"type": "integer", "description": "Rupiah"},
        "price_max": {"type": "integer", "description": "Rupiah"},
        "in_stock": {"type": "boolean"}, "sold": {"type": "integer"},
        "rating": {"type": ["number", "null"]}, "rating_count": {"type": "integer"},
        "image": {"type": ["string", "null"], "format": "uri"},
        "store": {"$ref": "#/components/schemas/StoreSummary"},
    },
}


def _param(name: str, description: str, schema: dict, where: str = "query",
           required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description,
            "schema": schema}


def _ok(schema_ref: str, description: str) -> dict:
    return {
        "200": {"description": description,
                "content": {"application/json": {"schema": {"$ref": schema_ref}}}},
        "404": {"description": "Not found or not public", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    }


def openapi_spec(server_url: str) -> dict:
    search_params = [
        _param("q", "Words to search for (Indonesian stemming, prefix and typo tolerant)",
               {"type": "string", "maxLength": 200}),
        _param("category", "Category slug (includes subcategories)", {"type": "string"}),
        _param("province", "Province code (Kemendagri)", {"type": "string"}),
        _param("min_price", "Lowest price in rupiah", {"type": "integer", "minimum": 0}),
        _param("max_price", "Highest price in rupiah", {"type": "integer", "minimum": 0}),
        _param("in_stock", "Only products in stock", {"type": "string", "enum": ["1"]}),
        _param("sort", "Order of results", {"type": "string", "enum": [
            "relevance", "newest", "price_asc", "price_desc", "best_selling"]}),
        _param("page", "Page number, from 1", {"type": "integer", "minimum": 1}),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Pasar Mandiri API", "version": "1",
                 "description": "Public catalog of Pasar Mandiri and the signed-in buyer's "
                                "orders. Money is in whole rupiah."},
        "servers": [{"url": server_url}],
        "paths": {
            "/categories": {"get": {
                "summary": "All categories", "operationId": "listCategories",
                "responses": {"200": {"description": "Categories", "content": {
                    "application/json": {"schema": {"type": "object", "properties": {
                        "items": {"type": "array",
                                  "items": {"$ref": "#/components/schemas/Category"}}}}}}}},
            }},
            "/products": {"get": {
                "summary": "Search public products", "operationId": "searchProducts",
                "parameters": search_params,
                "responses": {"200": {"description": "A page of products", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ProductPage"}}}},
                    "404": {"description": "Page beyond the last one"}},
            }},
            "/products/{product_id}": {"get": {
                "summary": "One public product with its variants", "operationId": "getProduct",
                "parameters": [
                    _param("product_id", "Product id", {"type": "integer"}, "path", True)],
                "responses": _ok("#/components/schemas/Product", "The product"),
            }},
            "/stores/{slug}": {"get": {
                "summary": "One verified store", "operationId": "getStore",
                "parameters": [_param("slug", "Store slug", {"type": "string"}, "path", True)],
                "responses": _ok("#/components/schemas/Store", "The store"),
            }},
        },
        "components": {"schemas": {
            "Error": _ERROR,
            "Category": {"type": "object", "properties": {
                "slug": {"type": "string"}, "name_id": {"type": "string"},
                "name_en": {"type": "string"}, "parent": {"type": ["string", "null"]},
                "url": {"type": "string", "format": "uri"}}},
            "StoreSummary": _STORE_SUMMARY,
            "Store": {"allOf": [{"$ref": "#/components/schemas/StoreSummary"}, {
                "type": "object", "properties": {
                    "story": {"type": "string"}, "whatsapp": {"type": "string"},
                    "logo": {"type": ["string", "null"]},
                    "verified_at": {"type": ["string", "null"], "format": "date-time"}}}]},
            "ProductSummary": _PRODUCT_SUMMARY,
            "Product": {"allOf": [{"$ref": "#/components/schemas/ProductSummary"}, {
                "type": "object", "properties": {
                    "description": {"type": "string"}, "weight_grams": {"type": "integer"},
                    "category": {"type": "string"},
                    "options": {"type": "array", "items": {"type": "string"}},
                    "variants": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "sku": {"type": "string"},
                        "options": {"type": "array", "items": {"type": "string"}},
                        "price": {"type": "integer"}, "in_stock": {"type": "boolean"},
                        "stock": {"type": "integer"}}}},
                    "images": {"type": "array", "items": {"type": "object", "properties": {
                        "url": {"type": "string"}, "alt": {"type": "string"}}}},
                    "food_permits": {"type": "object"}}}]},
            "ProductPage": {"type": "object", "properties": {
                "items": {"type": "array",
                          "items": {"$ref": "#/components/schemas/ProductSummary"}},
                "total": {"type": "integer"}, "page": {"type": "integer"},
                "pages": {"type": "integer"},
                "notices": {"type": "array", "items": {"type": "string"}}}},
        }},
    }
