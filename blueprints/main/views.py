"""Home page and /healthz."""

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.catalog.caching import cached_page, page_cache
from blueprints.main import bp
from marketplace.clock import utcnow
from marketplace.extensions import db, limiter
from marketplace.services.discovery import home_content


@bp.get("/")
@page_cache
def home():
    """The home page: featured vendors, new products, popular categories, regions."""
    html = render_template("main/home.html", content=home_content(utcnow()))
    return cached_page(html)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """JSON health with a real database round trip; 503 when the database is unreachable."""
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
