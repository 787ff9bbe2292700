"""A store's own products and orders through the API, through the vendor pages' services.

A facilitator names the store she acts for in the Acting-Store header (see auth.py)."""

from flask import url_for

from blueprints.api.auth import acting_store, acting_user
from blueprints.api.openapi import entity_tag, operation, photo_upload, require_if_match
from blueprints.api.paging import page_of
from blueprints.api.serializers import rendition_link
from marketplace.extensions import db
from marketplace.images import rendition_widths
from marketplace.models import Order, Product, ProductImage
from marketplace.services import catalog, orders, programme, stores
from marketplace.services.catalog import FOOD_FIELDS

ETAG = {"ETag": "The product's version: send it back in If-Match to change it"}


def image_out(product_image: ProductImage) -> dict:
    image = product_image.image
    return {"id": product_image.id, "position": product_image.position,
            "alt": product_image.alt, "url": rendition_link(image),
            "renditions": [{"width": actual, "url": rendition_link(image, nominal)}
                           for nominal, actual in rendition_widths(image)],
            "status": image.status.value}


def product_out(product: Product) -> dict:
    return {"id": product.id, "title": product.title, "status": product.status.value,
            "category_id": product.category_id, "weight_grams": product.weight_grams,
            "description": product.description, "option1_name": product.option1_name,
            "option2_name": product.option2_name, "hidden": product.hidden,
            "variants": [{"id": v.id, "sku": v.sku, "option1": v.option1,
                          "option2": v.option2, "price": v.price, "stock": v.stock,
                          "active": v.active} for v in product.variants],
            "image_count": len(product.images),
            "images": [image_out(pi) for pi in product.images],
            **{name: getattr(product, name) for name in FOOD_FIELDS},
            "updated_at": product.updated_at.isoformat()}


def _tagged(product: Product, status: int = 200, headers: dict | None = None):
    """The product as stored (re-read inside the transaction, so variants come in the order
    a later GET shows them) with its ETag."""
    db.session.flush()
    db.session.expire(product)
    out = product_out(product)
    return out, status, {"ETag": entity_tag(out), **(headers or {})}


def _editable(product: Product) -> dict:
    """The product's current values as the product form's service takes them."""
    return {"title": product.title, "description": product.description,
            "category_id": product.category_id, "weight_grams": product.weight_grams,
            "status": product.status, "option1_name": product.option1_name,
            "option2_name": product.option2_name,
            **{name: getattr(product, name) for name in FOOD_FIELDS},
            "variants": [{"id": v.id, "sku": v.sku, "option1": v.option1, "option2": v.option2,
                          "price": v.price, "stock": v.stock}
                         for v in product.variants if v.active]}


@operation("GET", "/vendor/stores", summary="The stores this token may work on: her own, and "
           "those whose owners consent to her acting for them", tag="vendor",
           scope="store:write", response="StoreChoices")
def vendor_stores():
    """Where a facilitator finds the Acting-Store values."""
    user = acting_user()
    own = stores.store_of(user)
    others = [s for s in programme.stores_to_act_for(user) if s != own]
    return {"items": [{"id": s.id, "name": s.name, "slug": s.slug, "own": s == own}
                      for s in ([own] if own else []) + others]}


@operation("GET", "/vendor/products", summary="The store's products, newest first",
           tag="vendor", scope="store:write", response="VendorProductPage",
           query="VendorProductQuery", store=True)
def vendor_products(query):
    """One page of the store's own products (every status)."""
    rows, next_cursor = page_of(catalog.products_of_store(acting_store(), query.status,
                                                          query.cursor, query.limit + 1),
                                query.limit)
    return {"items": [product_out(p) for p in rows], "next_cursor": next_cursor}


@operation("POST", "/vendor/products", summary="Add a product with its variants", tag="vendor",
           scope="store:write", response="VendorProduct", body="NewProduct",
           status=201, store=True, headers={**ETAG, "Location": "The product's URL"})
def create_product(body):
    """The vendor's new-product form: same service, same rules."""
    product = catalog.create_product(acting_user(), acting_store(), **body.model_dump())
    return _tagged(product, 201, {"Location": url_for("api.vendor_product",
                                                      product_id=product.id)})


@operation("GET", "/vendor/products/<int:product_id>", summary="One of the store's products, "
           "with its ETag", tag="vendor", scope="store:write", response="VendorProduct",
           store=True, headers=ETAG)
def vendor_product(product_id: int):
    """One product of a store the token's person runs (any status)."""
    return _tagged(catalog.own_product(acting_user(), product_id))


@operation("PATCH", "/vendor/products/<int:product_id>", summary="Change a product and its "
           "variants (If-Match required)", tag="vendor", scope="store:write",
           response="VendorProduct", body="ProductChange", errors=(412, 422, 428),
           store=True, headers=ETAG,
           notes="Send the ETag of your last read in If-Match: if the product changed since "
                 "(an edit elsewhere, a sale taking stock), the answer is 412 and nothing "
                 "changes; without If-Match it is 428.")
def change_product(product_id: int, body):
    """The vendor's product form: fields not sent keep their values."""
    user = acting_user()
    product = catalog.own_product(user, product_id, lock=True)
    require_if_match(entity_tag(product_out(product)))
    changes = body.model_dump(include=body.model_fields_set)
    catalog.update_product(user, product, **{**_editable(product), **changes})
    return _tagged(product)


@operation("POST", "/vendor/products/<int:product_id>/photos", summary="Add a photo (the "
           "first is the cover)", tag="vendor", scope="store:write",
           response="VendorImage", status=201, upload=True, store=True,
           notes="Multipart: `photo` (JPEG, PNG or WebP, up to 10 MB; 413 above, 415 for a "
                 "part declared as another type) and optional `alt`. The photo goes through "
                 "the same pipeline as on the web: a file that is not really such a photo is "
                 "a 422. At most 8 photos.")
def add_photo(product_id: int):
    """The product photos page's upload."""
    user = acting_user()
    product = catalog.own_product(user, product_id)
    data, alt = photo_upload()
    return image_out(catalog.add_product_image(user, product, data, alt))


@operation("POST", "/vendor/variants/prices-stock",
           summary="Set price and stock of many variants: all rows or none", tag="vendor",
           scope="store:write", response="PriceStockResult",
           body="PriceStockUpdate", errors=(422,), store=True,
           notes="With `seen_stock` on a row, a stock that moved since you read it (a sale) "
                 "refuses the request with 422 and nothing changes, as with If-Match on a "
                 "product.")
def set_prices_and_stock(body):
    """The product list's quick edit, for many variants at once."""
    return {"updated": catalog.set_prices_and_stock(
        acting_user(), [row.model_dump() for row in body.rows])}


@operation("POST", "/vendor/products/<int:product_id>/archive",
           summary="Archive a product (kept for past orders)", tag="vendor",
           scope="store:write", response="VendorProduct", store=True)
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
           scope="orders:write", response="VendorOrderPage",
           query="VendorOrderQuery", store=True)
def vendor_orders(query):
    """One page of the store's orders, optionally of one status."""
    rows = orders.orders_of_store(acting_store(), query.status, query.cursor,
                                  query.limit + 1)
    rows, next_cursor = page_of(rows, query.limit)
    return {"items": [order_out(o) for o in rows], "next_cursor": next_cursor}


@operation("POST", "/vendor/orders/<reference>/accept", summary="Accept a new order",
           tag="vendor", scope="orders:write", response="VendorOrder", errors=(409,),
           store=True)
def accept_order(reference: str):
    """Pesanan Baru -> Diproses."""
    user = acting_user()
    return order_out(orders.accept_order(user, orders.order_for_vendor(user, reference)))


@operation("POST", "/vendor/orders/<reference>/ship", summary="Ship with courier and resi",
           tag="vendor", scope="orders:write", response="VendorOrder",
           body="Shipment", errors=(409,), store=True)
def ship_order(reference: str, body):
    """Diproses -> Dikirim, with the tracking number (resi)."""
    user = acting_user()
    order = orders.order_for_vendor(user, reference)
    return order_out(orders.ship_order(user, order, body.courier, body.tracking_number))


@operation("POST", "/vendor/orders/<reference>/cancel", summary="Cancel with a reason",
           tag="vendor", scope="orders:write", response="VendorOrder",
           body="Cancellation", errors=(402, 409), store=True)
def cancel_order(reference: str, body):
    """Cancel (stock goes back, a paid order is refunded) with a reason for the buyer."""
    user = acting_user()
    order = orders.order_for_vendor(user, reference)
    return order_out(orders.cancel_order(user, order, body.reason))
