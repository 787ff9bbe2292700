"""Which store the vendor pages show: the user's own, or the one her facilitator acts for."""

from functools import wraps

from flask import abort, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.errors import PermissionDenied
from marketplace.models import Store
from marketplace.permissions import can
from marketplace.services import programme
from marketplace.services.stores import PAYOUT_FIELDS

#: Session key: the id of the store a facilitator chose to act for in /pendamping/.
ACTING_KEY = "acting_store_id"


def current_store() -> Store | None:
    """The store the vendor pages work on; a facilitator whose consent ended gets a 403."""
    # Another account logged in on the same phone never inherits the facilitator's choice.
    store_id = session.get(ACTING_KEY) if current_user.is_facilitator else None
    try:
        return programme.store_to_work_on(current_user, store_id)
    except PermissionDenied as exc:
        session.pop(ACTING_KEY, None)
        flash(str(exc.message), "error")
        abort(403)


def store_required(view):
    """Log in first; users without a store are sent to open one. Passes `store` to the view."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        store = current_store()
        if store is None:
            flash(_("Open your store first."), "info")
            return redirect(url_for("vendor.open_store"))
        return view(store, *args, **kwargs)

    return wrapped


def hide_payout_fields(form, store: Store) -> None:
    """Only the owner sees and changes the payout account fields."""
    if not can(current_user, "store.payouts", store):
        for name in PAYOUT_FIELDS:
            delattr(form, name)
