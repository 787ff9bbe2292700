"""Staff: payouts to stores (list, bank CSV prepared by a background job, mark paid) and refund
disputes."""

import re
import uuid

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blueprints.common import IntegerField, int_arg, show_errors, staff_required
from blueprints.forms import Form, options
from blueprints.staff import bp
from blueprints.staff.forms import ActionForm
from marketplace.errors import NotFound, ValidationError
from marketplace.extensions import db
from marketplace.models import RefundRequest, Store
from marketplace.money import format_rupiah
from marketplace.services import orders, payouts, programme
from marketplace.storage import PRIVATE_CACHE
from marketplace.validation import MAX_INT

#: Default lowest balance listed for payout.
DEFAULT_THRESHOLD = 50_000


class PayoutForm(Form):
    amount = IntegerField(_l("Amount transferred (Rp)"),
                          validators=[DataRequired(), NumberRange(min=1)])
    reference = StringField(_l("Bank transfer reference"),
                            validators=[DataRequired(), Length(max=100)])
    #: New with every page, kept on a re-shown form: the same submit twice is one payout.
    idempotency_key = HiddenField(default=lambda: uuid.uuid4().hex,
                                  validators=[Optional(), Length(max=64)])


class DisputeDecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=options([
        ("accept", _l("Refund the buyer")), ("reject", _l("Reject the refund"))]),
                          validators=[DataRequired()])
    note = TextAreaField(_l("Reason for the decision"),
                         validators=[DataRequired(), Length(max=1000)])


def _threshold() -> int:
    return int_arg("threshold", DEFAULT_THRESHOLD, minimum=0)


#: A page key in the address: "<balance>-<store id>" (a balance may pass 2^31 rupiah).
_KEY = re.compile(r"(\d{1,18})-(\d{1,10})")


def _key(name: str) -> tuple[int, int] | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    match = _KEY.fullmatch(raw)
    if match is None or int(match[2]) > MAX_INT:
        abort(400)
    return int(match[1]), int(match[2])


def _where() -> dict:
    """The list's address arguments (threshold and page key), kept by the forms on the page."""
    return {name: request.args[name] for name in ("threshold", "after", "before")
            if request.args.get(name)}


def _payouts_page(form=None, failed_store=None, status: int = 200):
    threshold = _threshold()
    after, before = _key("after"), _key("before")
    if after and before:
        abort(400)
    page = payouts.payouts_page(current_user, threshold, after=after, before=before)
    return render_template("staff/payouts.html", page=page, where=_where(),
                           stores_owed=format_decimal(page.stores),
                           threshold=threshold, form=form or PayoutForm(),
                           failed_store=failed_store, action_form=ActionForm(),
                           bank_lists=programme.payouts_exports(current_user)), status


@bp.get("/payouts", endpoint="payouts")
@staff_required
def payout_list():
    """Stores whose balance is at or above the threshold, with their bank accounts."""
    return _payouts_page()


@bp.get("/payouts.csv")
@staff_required
def payouts_csv():
    """The old address of the bank list: it is now prepared in the background from the page."""
    flash(_("The list for the bank is now prepared in the background: press \u201cPrepare the "
            "list for the bank\u201d and download it when it is ready."), "info")
    return redirect(url_for("staff.payouts", threshold=_threshold()))


@bp.post("/payouts/export")
@staff_required
def payouts_export_start():
    """Start the payouts list for the bank (or go to the one already being prepared)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    threshold = int_arg("threshold", DEFAULT_THRESHOLD, values=request.form, minimum=0)
    task = programme.start_payouts_export(current_user, threshold, str(get_locale() or "id"))
    db.session.commit()  # the job starts now (at once when jobs run inline)
    return redirect(url_for("staff.payouts_export", task_id=task.id), 303)


@bp.get("/payouts/export/<int:task_id>")
@staff_required
def payouts_export(task_id: int):
    """A payouts list's progress, its failures, and the download once it is ready."""
    return render_template("staff/payouts_export.html",
                           task=programme.payouts_export(current_user, task_id),
                           tries=programme.PAYOUTS_ATTEMPTS, keep_days=programme.PAYOUTS_FILE_DAYS,
                           form=ActionForm())


@bp.get("/payouts/export/<int:task_id>/payouts.csv")
@staff_required
def payouts_export_file(task_id: int):
    """The finished list, in the bank's bulk transfer format; served only to staff."""
    return Response(programme.payouts_export_file(current_user, task_id), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="payouts.csv"',
                             "Cache-Control": PRIVATE_CACHE})


@bp.post("/payouts/<int:store_id>")
@staff_required
def payout_mark_paid(store_id: int):
    """Record that the store's money was transferred, with the bank's reference."""
    store = db.session.get(Store, store_id)
    if store is None:
        raise NotFound()
    form = PayoutForm()
    if not form.validate_on_submit():
        return _payouts_page(form, store_id, 422)
    try:
        payout, created = payouts.record_payout(current_user, store, form.amount.data,
                                                form.reference.data, form.idempotency_key.data)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _payouts_page(form, store_id, 422)
    db.session.commit()
    if created:
        flash(_("Payout to %(store)s recorded.", store=store.name), "success")
    else:
        flash(_("This payout to %(store)s was already recorded (%(amount)s, reference "
                "%(reference)s); nothing was added.", store=store.name,
                amount=format_rupiah(payout.amount, str(get_locale() or "id")),
                reference=payout.reference), "info")
    return redirect(url_for("staff.payouts", **_where()))


@bp.get("/disputes")
@staff_required
def disputes():
    """Refund requests the buyer took to staff after the seller rejected them."""
    return render_template("staff/disputes.html", items=orders.disputes(current_user),
                           form=DisputeDecisionForm())


@bp.post("/disputes/<int:request_id>")
@staff_required
def dispute_decide(request_id: int):
    """Decide a dispute: refund the buyer or uphold the seller's rejection."""
    refund_request = db.session.get(RefundRequest, request_id)
    if refund_request is None:
        raise NotFound()
    form = DisputeDecisionForm()
    if not form.validate_on_submit():
        return render_template("staff/disputes.html", items=orders.disputes(current_user),
                               form=form, failed_id=request_id), 422
    orders.decide_refund_request(current_user, refund_request,
                                 form.decision.data == "accept", form.note.data)
    db.session.commit()
    flash(_("Decision saved; buyer and seller can see it on the order."), "success")
    return redirect(url_for("staff.disputes"))
