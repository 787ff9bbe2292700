"""A store's own products and orders through the API, through the vendor pages' services."""

from flask_babel import gettext as _

from blueprints.api import schemas
from blueprints.api.auth import acting_user
from blueprints.api.openapi import operation
from blueprints.api.paging import decode_cursor, page_of
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Product
from marketplace.services import catalog, stores


def own_store():
    """The acting person's store.

    :raises NotFound: she has not opened one.
    """
    store = stores.store_of(acting_user())
    if store is None:
        raise NotFound(_("This account has no store yet."))
    return store


def product_out(product: Product) -> dict:
    return {"id": product.id, "title": product.title, "status": product.status.value,
            "category_id": product.category_id, "weight_grams": product.weight_grams,
            "description": product.description, "option1_name": product.option1_name,
            "option2_name": product.option2_name, "hidden": product.hidden,
            "variants": [{"id": v.id, "sku": v.sku, "option1": v.option1,
                          "option2": v.option2, "price": v.price, "stock": v.stock,
                          "active": v.active} for v in product.variants],
            "image_count": len(product.images),
            "updated_at": product.updated_at.isoformat()}


@operation("GET", "/vendor/products", summary="The store's products, newest first",
           tag="vendor", scope="store:write", response=schemas.VendorProductPage,
           query=schemas.VendorProductQuery)
def vendor_products(query: schemas.VendorProductQuery):
    """One page of the store's own products (every status)."""
    statement = catalog.products_of(own_store(), query.status).order_by(None).order_by(
        Product.id.desc())
    after = decode_cursor(query.cursor)
    if after is not None:
        statement = statement.where(Product.id < after)
    rows, next_cursor = page_of(list(db.session.scalars(statement.limit(query.limit + 1))),
                                query.limit)
    return {"items": [product_out(p) for p in rows], "next_cursor": next_cursor}
