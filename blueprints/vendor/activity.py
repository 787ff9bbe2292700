"""The store's activity page: what a facilitator did for it, and consent changes."""

from flask import render_template
from flask_login import current_user

from blueprints.vendor import bp
from blueprints.vendor.acting import store_required
from marketplace.services import programme


@bp.get("/activity")
@store_required
def activity(store):
    """Every action a facilitator took for this store, naming both people."""
    return render_template("vendor/activity.html", store=store,
                           entries=programme.store_activity(current_user, store))
