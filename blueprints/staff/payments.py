"""Staff area: bank transfers to confirm or reject, and card money to give back or check."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.common import show_errors, staff_required
from blueprints.forms import Form
from blueprints.staff import bp
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.services import payments


class TransferDecisionForm(Form):
    note = TextAreaField(_l("Note (required to reject)"), validators=[Length(max=500)])


class IssueResolveForm(Form):
    note = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=1000)])


def _page(form=None, issue_form=None, failed_issue: int | None = None, status: int = 200):
    return render_template("staff/payments.html", pending=payments.pending_transfers(),
                           issues=payments.payment_issues(current_user),
                           form=form or TransferDecisionForm(formdata=None),
                           issue_form=issue_form or IssueResolveForm(formdata=None),
                           failed_issue=failed_issue), status


@bp.route("/payments")
@staff_required
def transfers():
    """Bank transfers waiting for staff, those with a proof first; card money to look at."""
    return _page()


@bp.route("/payments/<int:payment_id>/confirm", methods=["POST"])
@staff_required
def transfer_confirm(payment_id: int):
    """The money is in the bank account: the orders go to the stores."""
    form = TransferDecisionForm()
    payments.confirm_transfer(current_user, payments.payment_by_id(payment_id), form.note.data)
    db.session.commit()
    flash(_("Transfer confirmed. The stores were told to process the orders."), "success")
    return redirect(url_for("staff.transfers"))


@bp.route("/payments/<int:payment_id>/reject", methods=["POST"])
@staff_required
def transfer_reject(payment_id: int):
    """The money was not found: the buyer is told why and may upload a new proof."""
    form = TransferDecisionForm()
    try:
        payments.reject_transfer(current_user, payments.payment_by_id(payment_id),
                                 form.note.data)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc)
        flash(_("Write why the transfer is rejected."), "error")
        return _page(form, status=422)
    db.session.commit()
    flash(_("Transfer rejected. The buyer was told why."), "success")
    return redirect(url_for("staff.transfers"))


@bp.route("/payments/issues/<int:issue_id>/resolve", methods=["POST"])
@staff_required
def issue_resolve(issue_id: int):
    """Card money was given back by hand (or settled): record what was done."""
    form = IssueResolveForm()
    if not form.validate_on_submit():
        return _page(issue_form=form, failed_issue=issue_id, status=422)
    payments.resolve_issue(current_user, issue_id, form.note.data)
    db.session.commit()
    flash(_("Marked as handled."), "success")
    return redirect(url_for("staff.transfers"))
