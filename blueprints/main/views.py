"""Home page and /healthz."""

from flask import jsonify, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from blueprints.main import bp
from marketplace.extensions import db, limiter


@bp.get("/")
def home():
    """The home page."""
    return render_template("main/home.html")


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
