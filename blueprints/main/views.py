"""Home page and /healthz."""

from flask import abort, jsonify, render_template

from blueprints.catalog.caching import cached_page, page_cache
from blueprints.main import bp
from marketplace.clock import utcnow
from marketplace.extensions import limiter
from marketplace.health import check_parts
from marketplace.services.catalog import home_content


@bp.get("/")
@page_cache
def home():
    """The home page: featured vendors, new products, popular categories, regions."""
    html = render_template("main/home.html", content=home_content(utcnow()))
    return cached_page(html)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """JSON health of each configured part; 503 naming the part that is down."""
    parts = check_parts()
    healthy = all(state == "ok" for state in parts.values())
    return jsonify(status="ok" if healthy else "error", **parts), 200 if healthy else 503


@bp.get("/errors/413")
@limiter.exempt
def too_large():
    """The app's own 413 page, which nginx shows when it refuses an upload over the limit."""
    abort(413)
