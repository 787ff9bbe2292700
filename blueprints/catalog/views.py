"""Catalog pages for buyers: categories, products, stores, search, sitemap and robots.txt."""

from flask import Response, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale

from blueprints.catalog import bp
from blueprints.catalog.caching import cached_page, newest, page_cache, shared_answer
from blueprints.common import int_arg
from marketplace.search import parse_query, search, suggest, tokens
from marketplace.search.service import subtree_ids
from marketplace.services import catalog, reviews


def _listing_modified(store_or_product, result):
    return newest(getattr(store_or_product, "updated_at", None),
                  *(p.updated_at for p in result.items))


@bp.get("/c/<slug>")
@page_cache
def category(slug: str):
    """A category with its subcategories and a page of its products."""
    categories = catalog.all_categories()
    current = next((c for c in categories if c.slug == slug), None)
    if current is None:
        abort(404)
    query, notices = parse_query(request.args, categories, category_slug=slug,
                                 category_ids=subtree_ids(categories, slug))
    result = search(query)
    html = render_template("catalog/category.html", category=current, categories=categories,
                           result=result, notices=notices)
    return cached_page(html, _listing_modified(None, result))


@bp.get("/p/<int:product_id>")
@bp.get("/p/<int:product_id>-<slug>")
@page_cache
def product(product_id: int, slug: str | None = None):
    """A product page; other spellings of its address redirect to the canonical one."""
    item = catalog.public_product(product_id)
    if slug != item.slug:
        return redirect(url_for("catalog.product", product_id=item.id, slug=item.slug), 301)
    page = _reviews(product_id=item.id)
    html = render_template("catalog/product.html", product=item,
                           more=catalog.more_from_store(item), reviews=page)
    return cached_page(html, newest(item.updated_at, item.store.updated_at,
                                    *(r.replied_at or r.created_at for r in page.items)))


def _reviews(**subject) -> reviews.ReviewPage:
    """The page of reviews asked for by ?reviews=<sort>&rpage=<n>."""
    return reviews.review_page(**subject, sort=request.args.get("reviews", "newest"),
                               page=int_arg("rpage", 1))


@bp.get("/s/<slug>")
@page_cache
def store(slug: str):
    """A verified store's page: its story, region, WhatsApp and products."""
    shop = catalog.public_store(slug)
    query, notices = parse_query(request.args, store_id=shop.id, category_ids=None)
    result = search(query)
    html = render_template("catalog/store.html", store=shop, result=result, notices=notices,
                           reviews=_reviews(store_id=shop.id))
    return cached_page(html, _listing_modified(shop, result))


@bp.get("/search")
@page_cache
def search_page():
    """Search by words with filters (category, province, price, in stock) and sorting."""
    categories = catalog.all_categories()
    query, notices = parse_query(request.args, categories)
    result = search(query)
    html = render_template("catalog/search.html", categories=categories, result=result,
                           notices=notices)
    return cached_page(html)


@bp.get("/search/suggest")
def search_suggest():
    """Autocomplete for the search box (JSON): completions of the words typed, categories.
    The same for every visitor, so kept under the catalogue version: the box asks at every
    keystroke, and buyers type the same beginnings."""
    text = request.args.get("q", type=str) or ""
    found = shared_answer(f"suggest:{' '.join(tokens(text))}", lambda: _suggestions(text))
    response = jsonify(found)
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


def _suggestions(text: str) -> dict:
    found = suggest(text, catalog.all_categories(), str(get_locale() or "id"))
    for category in found["categories"]:
        category["url"] = url_for("catalog.category", slug=category.pop("slug"))
    return found


@bp.get("/sitemap.xml")
def sitemap():
    """Every public page a search engine should know, with the last change where known."""
    xml = render_template("catalog/sitemap.xml", **catalog.sitemap_entries())
    response = Response(xml, mimetype="application/xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/robots.txt")
def robots():
    """Crawlers may read the catalog, not accounts, carts or the staff and vendor areas."""
    lines = ["User-agent: *", "Disallow: /account/", "Disallow: /vendor/", "Disallow: /staff/",
             "Disallow: /cart", "Disallow: /checkout", "Disallow: /api/", "Allow: /",
             f"Sitemap: {url_for('catalog.sitemap', _external=True)}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.app_template_global("page_url")
def page_url(page: int, after=None, before=None) -> str:
    """This page's address with the same filters and another page number, and where that
    page starts (after the last product shown) or ends (before the first), when the search
    gives it: the next page is then read from there, not counted from the first."""
    args = request.args.to_dict()
    for name in ("lang", "after", "before"):
        args.pop(name, None)
    args["page"] = page
    if after is not None:
        args["after"] = str(after)
    elif before is not None:
        args["before"] = str(before)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


@bp.app_template_global("absolute")
def absolute(path: str) -> str:
    """An absolute URL for a site path (OpenGraph images must be absolute)."""
    return path if "://" in path else request.url_root.rstrip("/") + path


@bp.app_template_global("endpoint_url")
def endpoint_url(endpoint: str) -> str | None:
    """The URL of an endpoint another area provides, or None while it does not exist."""
    from flask import current_app

    return url_for(endpoint) if endpoint in current_app.view_functions else None


@bp.app_template_global("province_choices")
def _province_choices():
    from marketplace.regions import province_choices

    return province_choices()


@bp.app_template_global("province_name")
def _province_name(code: str | None) -> str:
    # Also a global (not only a context variable) so cached macro imports can use it.
    from marketplace.regions import province_name

    return province_name(code)
