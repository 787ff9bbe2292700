"""The catalogue: products and variants, stock, CSV import, and what buyers discover.

The web layer and the CLI use only what is exported here (tests/unit/test_layers.py).
"""

from marketplace.search.service import all_categories
from marketplace.services.catalog.discovery import (
    CATALOG,
    catalog_version,
    home_content,
    more_from_store,
    public_product,
    public_store,
    sitemap_entries,
)
from marketplace.services.catalog.listing import (
    FOOD_FIELDS,
    MAX_VARIANTS,
    add_product_image,
    archive_product,
    create_product,
    edit_version,
    move_product_image,
    own_product,
    own_product_image,
    own_variant,
    products_of,
    products_of_store,
    remove_product,
    remove_product_image,
    set_image_alt,
    set_price_and_stock,
    set_prices_and_stock,
    update_product,
)
from marketplace.services.catalog.product_import import (
    ImportErrors,
    check_rows,
    import_products,
    import_task,
    start_import,
    template_csv,
)

__all__ = [
    "CATALOG", "FOOD_FIELDS", "ImportErrors", "MAX_VARIANTS", "add_product_image",
    "all_categories", "archive_product", "catalog_version", "check_rows", "create_product",
    "edit_version", "home_content", "import_products", "import_task", "more_from_store",
    "move_product_image", "own_product", "own_product_image", "own_variant", "products_of",
    "products_of_store", "public_product", "public_store", "remove_product",
    "remove_product_image", "set_image_alt", "set_price_and_stock", "set_prices_and_stock",
    "sitemap_entries", "start_import", "template_csv", "update_product",
]
