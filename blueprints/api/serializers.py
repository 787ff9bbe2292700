"""How domain objects look in JSON: public fields only, money as integer rupiah."""

from urllib.parse import urljoin

from flask import request, url_for

from marketplace.images import image_url
from marketplace.models import Product, Store
from marketplace.regions import province_name
from marketplace.search.service import CategoryNode


def rendition_link(image, width: int = 640) -> str:
    """The absolute URL of an image's rendition about `width` px wide (answered once the
    image is ready)."""
    return urljoin(request.host_url, image_url(image, width))


def image_link(image, width: int = 640) -> str | None:
    """`rendition_link` of an image that has its renditions, else None."""
    return rendition_link(image, width) if image and image.ready else None


def category_json(category: CategoryNode) -> dict:
    return {"slug": category.slug, "name_id": category.name_id, "name_en": category.name_en,
            "parent": category.parent.slug if category.parent else None,
            "url": url_for("catalog.category", slug=category.slug, _external=True)}


def store_summary_json(store: Store) -> dict:
    return {"slug": store.slug, "name": store.name, "province_code": store.province_code,
            "province": province_name(store.province_code), "regency": store.regency,
            "url": url_for("catalog.store", slug=store.slug, _external=True)}


def store_json(store: Store) -> dict:
    return {**store_summary_json(store), "story": store.story,
            "whatsapp": store.whatsapp, "logo": image_link(store.logo, 320),
            "verified_at": store.verified_at.isoformat() if store.verified_at else None}


def product_summary_json(product: Product) -> dict:
    return {
        "id": product.id, "title": product.title,
        "url": url_for("catalog.product", product_id=product.id, slug=product.slug,
                       _external=True),
        "price_min": product.price_min, "price_max": product.price_max,
        "in_stock": product.stock_total > 0, "sold": product.sold_count,
        "rating": round(product.rating_sum / product.rating_count, 1)
        if product.rating_count else None,
        "rating_count": product.rating_count,
        "image": image_link(product.cover_image), "store": store_summary_json(product.store),
    }


def product_json(product: Product) -> dict:
    return {
        **product_summary_json(product),
        "description": product.description, "weight_grams": product.weight_grams,
        "category": product.category.slug,
        "options": [n for n in (product.option1_name, product.option2_name) if n],
        "variants": [
            {"id": v.id, "sku": v.sku, "options": [o for o in (v.option1, v.option2) if o],
             "price": v.price, "in_stock": v.stock > 0, "stock": v.stock}
            for v in product.variants if v.active
        ],
        "images": [{"url": image_link(pi.image), "alt": pi.alt} for pi in product.images
                   if pi.image.ready],
        "food_permits": {"pirt": product.pirt_number, "halal": product.halal_number,
                         "halal_expires_on": product.halal_expires_on.isoformat()
                         if product.halal_expires_on else None},
    }
