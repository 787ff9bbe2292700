"""Staff area: bank transfers waiting for confirmation (confirm or reject with a reason)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length

from blueprints.common import show_errors, staff_required
from blueprints.forms import Form
from blueprints.staff import bp
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.services import payments


class TransferDecisionForm(Form):
    note = TextAreaField(_l("Note (required to reject)"), validators=[Length(max=500)])


@bp.route("/payments")
@staff_required
def transfers():
    """Bank transfers waiting for staff, those with a proof first."""
    return render_template("staff/payments.html", pending=payments.pending_transfers(),
                           form=TransferDecisionForm(formdata=None))


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
        return render_template("staff/payments.html", pending=payments.pending_transfers(),
                               form=form), 422
    db.session.commit()
    flash(_("Transfer rejected. The buyer was told why."), "success")
    return redirect(url_for("staff.transfers"))
