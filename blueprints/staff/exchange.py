"""Staff pages of the data exchange: the PKH graduate roster import and outbound events."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, PasswordField, StringField, URLField
from wtforms.validators import DataRequired, Length

from blueprints.common import show_errors, staff_required
from blueprints.forms import Form
from blueprints.staff import bp
from blueprints.staff.forms import ActionForm
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import DeliveryStatus
from marketplace.services import programme


class RosterForm(Form):
    file = FileField(_l("Roster file (CSV or JSON)"), validators=[FileRequired()])


#: Form field name -> event kind, with the label staff see.
EVENT_FIELDS = {
    "kind_store_verified": ("store.verified", _l("Store verified (store.verified)")),
    "kind_store_suspended": ("store.suspended", _l("Store suspended (store.suspended)")),
    "kind_store_graduated": ("store.graduated", _l("Store graduated (store.graduated)")),
    "kind_order_completed": ("order.completed",
                             _l("Completed orders per day, sent once the day has ended "
                                "(order.completed)")),
}


class SubscriptionForm(Form):
    name = StringField(_l("Receiving system"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: SIKS-NG Kemensos"))
    url = URLField(_l("Address (URL) events are sent to"),
                   validators=[DataRequired(), Length(max=500)])
    secret = PasswordField(_l("Signing secret (16 characters or more)"),
                           validators=[DataRequired(), Length(max=200)],
                           description=_l("The receiving system checks each event's "
                                          "Pasar-Signature header with it."))


for _name, (_kind, _label) in EVENT_FIELDS.items():
    setattr(SubscriptionForm, _name, BooleanField(_label))


def _roster_page(form, result=None, status: int = 200):
    return render_template("staff/roster.html", form=form, result=result,
                           figures=programme.roster_figures(current_user)), status


@bp.route("/roster", methods=["GET", "POST"])
@staff_required
def pkh_roster():
    """The PKH graduate roster: its figures and the upload of a new list (all rows or none)."""
    form = RosterForm()
    if not form.validate_on_submit():
        return _roster_page(form, status=422 if form.is_submitted() else 200)
    upload = form.file.data
    try:
        result = programme.import_roster(current_user, programme.read_rows(upload.read(),
                                                                           upload.filename or ""))
    except programme.RosterRejected as exc:
        db.session.rollback()
        return _roster_page(form, exc.result, 422)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _roster_page(form, status=422)
    db.session.commit()
    flash(_("Roster imported: %(rows)d rows, %(created)d new, %(updated)d updated, "
            "%(unchanged)d unchanged.", rows=result.rows, created=result.created,
            updated=result.updated, unchanged=result.unchanged), "success")
    return redirect(url_for("staff.pkh_roster"))


def _events_page(form, status: int = 200):
    shown = request.args.get("status", "")
    return render_template(
        "staff/events.html", form=form, action_form=ActionForm(), shown=shown,
        statuses=list(DeliveryStatus), event_fields=list(EVENT_FIELDS),
        subscriptions=programme.subscriptions(current_user),
        deliveries=programme.deliveries(current_user, shown)), status


@bp.route("/events", methods=["GET", "POST"])
@staff_required
def outbound_events():
    """Subscriptions of ministry systems to signed events, and the delivery log."""
    form = SubscriptionForm()
    if not form.validate_on_submit():
        return _events_page(form, 422 if form.is_submitted() else 200)
    try:
        programme.add_subscription(
            current_user, name=form.name.data, url=form.url.data, secret=form.secret.data,
            kinds=[kind for name, (kind, _label) in EVENT_FIELDS.items()
                   if getattr(form, name).data])
    except ValidationError as exc:
        db.session.rollback()
        exc.errors = {("kind_store_verified" if k == "kinds" else k): v
                      for k, v in exc.errors.items()}
        show_errors(form, exc)
        return _events_page(form, 422)
    db.session.commit()
    flash(_("Subscription saved. New events will be sent to it."), "success")
    return redirect(url_for("staff.outbound_events"))


@bp.post("/events/subscriptions/<int:subscription_id>/<any(pause, resume):verb>")
@staff_required
def pause_subscription(subscription_id: int, verb: str):
    """Stop or restart sending events to a subscription."""
    if not ActionForm().validate_on_submit():
        abort(400)
    programme.set_active(current_user, subscription_id, verb == "resume")
    db.session.commit()
    flash(_("Subscription resumed.") if verb == "resume" else _("Subscription paused."),
          "success")
    return redirect(url_for("staff.outbound_events"))


@bp.post("/events/deliveries/<int:delivery_id>/replay")
@staff_required
def replay_delivery(delivery_id: int):
    """Send one event to its subscription again."""
    if not ActionForm().validate_on_submit():
        abort(400)
    programme.replay(current_user, delivery_id)
    db.session.commit()
    flash(_("The event is being sent again."), "success")
    return redirect(url_for("staff.outbound_events"))
