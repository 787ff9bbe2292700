"""Buyers report a product, store or review to the ministry staff (registered on catalog)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.catalog import bp
from blueprints.common import show_errors
from blueprints.forms import Form
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.services import moderation


class ReportForm(Form):
    reason = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("For example: a fake product, a forbidden item, "
                                          "an insulting review."))


@bp.route("/report/<any(product, store, review):subject_type>/<int:subject_id>",
          methods=["GET", "POST"])
@login_required
def report(subject_type: str, subject_id: int):
    """Report something public to the staff, with a reason."""
    subject = moderation.subject_for_report(subject_type, subject_id)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            moderation.report(current_user, subject_type, subject_id, form.reason.data)
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. Our staff will look at your report."), "success")
            return redirect(url_for("main.home"))
    status = 422 if request.method == "POST" else 200
    return render_template("catalog/report.html", form=form, subject=subject,
                           subject_type=subject_type), status
