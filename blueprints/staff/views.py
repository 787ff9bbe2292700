"""Views of the staff area: verification, permits, featured vendors, moderation, audit log,
staff accounts, the programme dashboard and data exports."""

from datetime import datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import (
    act,
    admin_required,
    int_arg,
    show_errors,
    staff_required,
    submit,
    template_page,
)
from blueprints.forms import options
from blueprints.pendamping.training import people_figures_context
from blueprints.staff import bp
from blueprints.staff.forms import (
    ActionForm,
    AuditFilterForm,
    DashboardForm,
    ExportForm,
    FeatureForm,
    NoteForm,
    PreviewForm,
    ReasonForm,
    StaffAccountForm,
    ThresholdForm,
)
from marketplace.clock import JAKARTA, to_jakarta, utcnow
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.models import FeaturedSlot, Store, StoreStatus
from marketplace.replica import read_replica
from marketplace.services import programme, reviews, staff, stores
from marketplace.services.catalog import home_content


def _local(value: datetime) -> datetime:
    """A naive Jakarta time typed into a form, as an aware datetime."""
    return value.replace(tzinfo=JAKARTA)


def _done(message: str, endpoint: str, **values):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, **values))


# --- overview and verification ----------------------------------------------------------------

@bp.get("/")
@staff_required
def index():
    """The staff home: what waits for a decision."""
    return render_template(
        "staff/index.html",
        pending=stores.store_queue(current_user),
        queue=reviews.report_queue(current_user, limit=5),
        alerts=stores.permit_alerts(limit=20),
    )


@bp.get("/stores", endpoint="stores")
@staff_required
def store_list():
    """Stores by status (pending first: the verification queue), with a search."""
    status = request.args.get("status", "pending")
    if status not in {s.value for s in StoreStatus}:
        abort(404)
    query = request.args.get("q", "")[:100]
    return render_template("staff/stores.html", status=status, query=query,
                           statuses=list(StoreStatus),
                           stores=stores.store_queue(current_user, StoreStatus(status),
                                                     query))


@bp.get("/stores/<int:store_id>")
@staff_required
def store(store_id: int):
    """One store's details, programme code and product permits, with the decisions."""
    item = stores.get_store(current_user, store_id)
    return render_template("staff/store.html", store=item, note_form=NoteForm(),
                           reason_form=ReasonForm(), action_form=ActionForm(),
                           products=stores.store_products(item),
                           alerts=stores.permit_alerts(item))


_DECISIONS = {
    "verify": (stores.verify_store, NoteForm, "note",
               lambda: _("The store is verified and its owner has been emailed.")),
    "reject": (stores.reject_store, ReasonForm, "reason",
               lambda: _("The store was rejected and its owner has been emailed.")),
    "suspend": (stores.suspend_store, ReasonForm, "reason",
                lambda: _("The store is suspended and hidden from buyers.")),
    "reinstate": (stores.reinstate_store, NoteForm, "note",
                  lambda: _("The store is visible to buyers again.")),
}


@bp.post("/stores/<int:store_id>/<any(verify, reject, suspend, reinstate):decision>")
@staff_required
def decide_store(store_id: int, decision: str):
    """Verify, reject, suspend or reinstate a store."""
    service, form_class, field_name, message = _DECISIONS[decision]
    item = stores.get_store(current_user, store_id)
    form = form_class()
    return submit(form, lambda: service(current_user, item, getattr(form, field_name).data),
                  done=lambda _result: message(),
                  next_url=url_for("staff.store", store_id=item.id),
                  page=lambda _status: _store_page_with_errors(item, form, field_name))


def _store_page_with_errors(item: Store, form, field_name: str):
    forms = {"note_form": NoteForm(), "reason_form": ReasonForm(), "action_form": ActionForm()}
    forms["note_form" if field_name == "note" else "reason_form"] = form
    return render_template("staff/store.html", store=item, products=stores.store_products(
        item), alerts=stores.permit_alerts(item), **forms), 422


@bp.get("/permits")
@staff_required
def permits():
    """Food permits waiting for a check, and those expiring within 30 days."""
    return render_template("staff/permits.html", form=ActionForm(),
                           unverified=stores.unverified_permits(current_user),
                           alerts=stores.permit_alerts())


@bp.post("/products/<int:product_id>/permits/<any(pirt, halal):kind>")
@staff_required
def verify_permit(product_id: int, kind: str):
    """Mark a product's P-IRT or halal certificate as checked."""
    product = reviews.get_product(current_user, product_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return act(lambda: stores.verify_permit(current_user, product, kind),
               done=_("Permit marked as verified."), next_url=url_for("staff.permits"),
               failed_url=request.referrer or url_for("staff.permits"))


# --- featured vendors -------------------------------------------------------------------------

def _feature_form() -> FeatureForm:
    """The form with the stores to choose from: a search's matches (or the newest verified)."""
    form = FeatureForm()
    if form.is_submitted():
        chosen = [int_arg("store_id", values=request.form)]
        choices = stores.verified_stores(current_user, ids=chosen)
    else:
        choices = stores.verified_stores(current_user, request.args.get("q", "")[:100])
        # A feature usually starts now and runs a month: both dates come filled in.
        start = to_jakarta(utcnow()).replace(tzinfo=None, second=0, microsecond=0)
        form.starts_at.data, form.ends_at.data = start, start + timedelta(days=30)
    form.store_id.choices = options((s.id, s.name) for s in choices)
    return form


def _featured_page(form, status: int = 200):
    now = utcnow()
    return render_template("staff/featured.html", form=form, action_form=ActionForm(),
                           query=request.args.get("q", "")[:100],
                           preview_form=PreviewForm(formdata=None), now=now,
                           schedule=stores.current_and_upcoming(now),
                           history=stores.featured_history(),
                           cap=stores.MAX_FEATURED_AT_ONCE), status


@bp.route("/featured", methods=["GET", "POST"])
@staff_required
def featured_vendors():
    """The home page schedule: add a featured store, see what is on now and the history."""
    form = _feature_form()
    return submit(form, lambda: stores.schedule_feature(
                      current_user, db.get_or_404(Store, form.store_id.data), form.position.data,
                      _local(form.starts_at.data), _local(form.ends_at.data),
                      form.note.data or ""),
                  done=_("The store is scheduled on the home page."),
                  next_url=url_for("staff.featured_vendors"),
                  page=lambda status: _featured_page(form, status))


@bp.post("/featured/<int:slot_id>/end")
@staff_required
def end_featured(slot_id: int):
    """Stop a featured slot now (or cancel one that has not started)."""
    slot = db.get_or_404(FeaturedSlot, slot_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return act(lambda: stores.end_feature(current_user, slot, utcnow()),
               done=_("The featured slot has ended."),
               next_url=url_for("staff.featured_vendors"),
               failed_url=url_for("staff.featured_vendors"))


@bp.get("/featured/preview")
@staff_required
def preview_home():
    """The home page as it will look at a chosen moment."""
    form = PreviewForm(request.args)
    if not form.validate():
        flash(_("Choose a date and time to preview."), "error")
        return redirect(url_for("staff.featured_vendors"))
    at = _local(form.at.data)
    return render_template("staff/preview.html", content=home_content(at), preview_at=at)


# --- moderation -------------------------------------------------------------------------------

@bp.get("/moderation")
@staff_required
def moderation_queue():
    """Open reports grouped by subject, most reported first."""
    return render_template("staff/moderation.html",
                           queue=reviews.report_queue(current_user))


@bp.get("/moderation/<any(product, store, review):subject_type>/<int:subject_id>")
@staff_required
def reported(subject_type: str, subject_id: int):
    """One reported subject with every report, and the actions on it."""
    subject, reports = reviews.subject_reports(current_user, subject_type, subject_id)
    return render_template("staff/reported.html", subject=subject, subject_type=subject_type,
                           reports=reports, reason_form=ReasonForm(), action_form=ActionForm())


_HIDE = {
    ("product", "hide"): reviews.hide_product,
    ("product", "unhide"): reviews.unhide_product,
    ("review", "hide"): reviews.hide_review,
    ("review", "unhide"): reviews.unhide_review,
}


@bp.post("/moderation/<any(product, review):subject_type>/<int:subject_id>/"
         "<any(hide, unhide):verb>")
@staff_required
def hide_or_unhide(subject_type: str, subject_id: int, verb: str):
    """Hide (with a reason) or show again a product or a review."""
    subject, reports = reviews.subject_reports(current_user, subject_type, subject_id)
    form = ReasonForm() if verb == "hide" else ActionForm()
    try:
        if not form.validate_on_submit():
            raise ValidationError(_("Give a reason the seller will see."), field="reason")
        args = (form.reason.data,) if verb == "hide" else ()
        _HIDE[(subject_type, verb)](current_user, subject, *args)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return render_template("staff/reported.html", subject=subject, reports=reports,
                               subject_type=subject_type, action_form=ActionForm(),
                               reason_form=form if verb == "hide" else ReasonForm()), 422
    message = _("Hidden; the seller can see the reason.") if verb == "hide" else _(
        "Visible again.")
    return _done(message, "staff.reported", subject_type=subject_type, subject_id=subject_id)


@bp.post("/moderation/<any(product, store, review):subject_type>/<int:subject_id>/dismiss")
@staff_required
def dismiss(subject_type: str, subject_id: int):
    """Close the open reports on a subject without action."""
    if not ActionForm().validate_on_submit():
        abort(400)
    return act(lambda: reviews.dismiss_reports(current_user, subject_type, subject_id),
               done=lambda count: _("%(n)d report(s) dismissed.", n=count),
               next_url=url_for("staff.moderation_queue"),
               failed_url=url_for("staff.reported", subject_type=subject_type,
                                  subject_id=subject_id))


# --- audit log --------------------------------------------------------------------------------

@bp.get("/audit")
@staff_required
def audit():
    """The audit log, filterable; read-only."""
    form = AuditFilterForm(request.args)
    form.validate()
    page = int_arg("page", 1)
    events = staff.audit_events(
        current_user, actor=form.actor.data or "", action=form.action.data or "",
        subject_type=form.subject_type.data or "",
        subject_id=None if form.subject_id.errors else form.subject_id.data,
        since=None if form.since.errors else form.since.data,
        until=None if form.until.errors else form.until.data, page=page)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("staff/audit.html", form=form, result=events, args=args)


# --- staff accounts (admins) ------------------------------------------------------------------

@bp.route("/accounts", methods=["GET", "POST"])
@admin_required
def accounts():
    """Staff accounts: create one; disable or re-enable."""
    form = StaffAccountForm()
    return submit(form, lambda: staff.create_staff(
                      current_user, form.email.data, form.name.data, form.password.data,
                      form.role.data),
                  done=_("The account has been created."), next_url=url_for("staff.accounts"),
                  page=lambda status: (render_template(
                      "staff/accounts.html", form=form, action_form=ActionForm(),
                      people=staff.staff_accounts(current_user)), status))


@bp.post("/accounts/<int:user_id>/<any(disable, enable):verb>")
@admin_required
def set_account_active(user_id: int, verb: str):
    """Disable or re-enable a staff account."""
    person = staff.get_staff_account(current_user, user_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    return act(lambda: staff.set_staff_active(current_user, person, verb == "enable"),
               done=_("The account is enabled.") if verb == "enable" else _(
                   "The account is disabled."),
               next_url=url_for("staff.accounts"), failed_url=url_for("staff.accounts"))


# --- programme --------------------------------------------------------------------------------

@bp.get("/programme")
@staff_required
def programme_dashboard():
    """Stores, sales, buyers and graduation, by province, month and category; facilitators,
    households and training outcomes, by province or facilitators' area."""
    form = DashboardForm(request.args, areas=programme.facilitator_areas(current_user))
    if not form.validate():
        return render_template("staff/programme.html", form=form, board=None,
                               action_form=ActionForm()), 422
    province = form.province.data or ""
    area_province, _sep, regency = (form.area.data or "").partition(":")
    try:
        with read_replica():
            board = programme.dashboard(current_user, province, form.kind.data,
                                        form.months.data or programme.DEFAULT_MONTHS)
            people = people_figures_context(area_province or province, regency)
    except ValidationError as exc:
        show_errors(form, exc)
        return render_template("staff/programme.html", form=form, board=None,
                               action_form=ActionForm()), 422
    return render_template("staff/programme.html", form=form, board=board,
                           action_form=ActionForm(), **people,
                           refreshing=programme.refresh_in_progress())


@bp.post("/programme/refresh")
@staff_required
def refresh_programme():
    """Rebuild the monthly summaries now."""
    if not ActionForm().validate_on_submit():
        abort(400)
    task = programme.queue_refresh(current_user)
    db.session.commit()  # the job starts now (at once when jobs run inline)
    if task.state == "done":
        return _done(_("The figures are up to date."), "staff.programme_dashboard")
    return _done(_("The figures are being refreshed in the background; the new figures appear "
                   "on this page when it is done."), "staff.programme_dashboard")


@bp.route("/programme/thresholds", methods=["GET", "POST"])
@staff_required
def thresholds():
    """Income lines (UMP, UMK, poverty line) with their effective dates."""
    form = ThresholdForm()
    return submit(form, lambda: programme.add_threshold(
                      current_user, form.kind.data, form.province_code.data, form.regency.data,
                      form.amount.data, form.effective_from.data, form.effective_to.data),
                  done=_("The income line has been saved."), next_url=url_for("staff.thresholds"),
                  page=lambda status: (render_template(
                      "staff/thresholds.html", form=form, action_form=ActionForm(),
                      lines=programme.thresholds(current_user)), status))


@bp.post("/programme/thresholds/<int:threshold_id>/delete")
@staff_required
def delete_threshold(threshold_id: int):
    """Remove an income line entered by mistake."""
    if not ActionForm().validate_on_submit():
        abort(400)
    programme.delete_threshold(current_user, threshold_id)
    return _done(_("The income line has been removed."), "staff.thresholds")


# --- exports ----------------------------------------------------------------------------------

@bp.route("/exports", methods=["GET", "POST"])
@staff_required
def export_data():
    """Download stores, monthly sales, graduation status or totals as CSV or JSON."""
    form = ExportForm()

    def export():
        filters = programme.check_filters(form.province_code.data or "", form.start.data,
                                          form.end.data)
        with read_replica():  # its audit row still goes to the primary
            return programme.export(current_user, form.kind.data, form.fmt.data, filters,
                                    form.include_personal.data, form.threshold_kind.data,
                                    form.months_required.data or programme.DEFAULT_MONTHS)

    def download(result):
        return Response(result.body, mimetype=result.mimetype, headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"'})

    return submit(form, export, done=None, next_url=download,
                  page=template_page("staff/exports.html", form=form))


@bp.app_template_filter("jakarta_input")
def jakarta_input(value: datetime) -> str:
    """A datetime as the value of a datetime-local input (Jakarta time)."""
    return to_jakarta(value).strftime("%Y-%m-%dT%H:%M")
