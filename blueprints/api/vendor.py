"""A store's own products and orders through the API, through the vendor pages' services."""

from flask_babel import gettext as _

from blueprints.api import schemas
from blueprints.api.auth import acting_user
from blueprints.api.openapi import operation
from blueprints.api.paging import page_of
from marketplace.errors import NotFound
from marketplace.extensions import db
from marketplace.models import Order, Product
from marketplace.services import catalog, fulfilment, stores


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
    if query.cursor is not None:
        statement = statement.where(Product.id < query.cursor)
    rows, next_cursor = page_of(list(db.session.scalars(statement.limit(query.limit + 1))),
                                query.limit)
    return {"items": [product_out(p) for p in rows], "next_cursor": next_cursor}


@operation("POST", "/vendor/variants/prices-stock",
           summary="Set price and stock of many variants: all rows or none", tag="vendor",
           scope="store:write", response=schemas.PriceStockResult,
           body=schemas.PriceStockUpdate, errors=(422,))
def set_prices_and_stock(body: schemas.PriceStockUpdate):
    """The product list's quick edit, for many variants at once."""
    return {"updated": catalog.set_prices_and_stock(
        acting_user(), [row.model_dump() for row in body.rows])}


@operation("POST", "/vendor/products/<int:product_id>/archive",
           summary="Archive a product (kept for past orders)", tag="vendor",
           scope="store:write", response=schemas.VendorProduct)
def archive_product(product_id: int):
    """Take a product off the shop for good."""
    user = acting_user()
    return product_out(catalog.archive_product(user, catalog.own_product(user, product_id)))


# --- orders -----------------------------------------------------------------------------------

def order_out(order: Order) -> dict:
    return {"reference": order.reference, "status": order.status.value,
            "payment_method": order.payment_method.value,
            "payment_status": order.payment_status.value,
            "shipping_method": order.shipping_method.value, "subtotal": order.subtotal,
            "shipping_fee": order.shipping_fee, "total": order.total, "units": order.units,
            "courier": order.courier, "tracking_number": order.tracking_number,
            "cancel_reason": order.cancel_reason, "created_at": order.created_at.isoformat()}


@operation("GET", "/vendor/orders", summary="The store's orders, newest first", tag="vendor",
           scope="orders:write", response=schemas.VendorOrderPage,
           query=schemas.VendorOrderQuery)
def vendor_orders(query: schemas.VendorOrderQuery):
    """One page of the store's orders, optionally of one status."""
    rows = fulfilment.orders_of_store(own_store(), query.status, query.cursor,
                                      query.limit + 1)
    rows, next_cursor = page_of(rows, query.limit)
    return {"items": [order_out(o) for o in rows], "next_cursor": next_cursor}


@operation("POST", "/vendor/orders/<reference>/accept", summary="Accept a new order",
           tag="vendor", scope="orders:write", response=schemas.VendorOrder, errors=(409,))
def accept_order(reference: str):
    """Pesanan Baru -> Diproses."""
    user = acting_user()
    return order_out(fulfilment.accept_order(user, fulfilment.order_for_vendor(user, reference)))


@operation("POST", "/vendor/orders/<reference>/ship", summary="Ship with courier and resi",
           tag="vendor", scope="orders:write", response=schemas.VendorOrder,
           body=schemas.Shipment, errors=(409,))
def ship_order(reference: str, body: schemas.Shipment):
    """Diproses -> Dikirim, with the tracking number (resi)."""
    user = acting_user()
    order = fulfilment.order_for_vendor(user, reference)
    return order_out(fulfilment.ship_order(user, order, body.courier, body.tracking_number))


@operation("POST", "/vendor/orders/<reference>/cancel", summary="Cancel with a reason",
           tag="vendor", scope="orders:write", response=schemas.VendorOrder,
           body=schemas.Cancellation, errors=(402, 409))
def cancel_order(reference: str, body: schemas.Cancellation):
    """Cancel (stock goes back, a paid order is refunded) with a reason for the buyer."""
    user = acting_user()
    order = fulfilment.order_for_vendor(user, reference)
    return order_out(fulfilment.cancel_order(user, order, body.reason))
