"""Buyers report a product, store or review to the ministry staff (registered on catalog)."""

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from blueprints.catalog import bp
from blueprints.common import submit, template_page
from blueprints.forms import Form
from marketplace.services import reviews


class ReportForm(Form):
    reason = TextAreaField(_l("What is wrong?"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("For example: a fake product, a forbidden item, "
                                          "an insulting review."))


@bp.route("/report/<any(product, store, review):subject_type>/<int:subject_id>",
          methods=["GET", "POST"])
@login_required
def report(subject_type: str, subject_id: int):
    """Report something public to the staff, with a reason."""
    subject = reviews.subject_for_report(subject_type, subject_id)
    form = ReportForm()
    return submit(form, lambda: reviews.report(current_user, subject_type, subject_id,
                                               form.reason.data),
                  done=_("Thank you. Our staff will look at your report."),
                  next_url=url_for("main.home"),
                  page=template_page("catalog/report.html", form=form, subject=subject,
                                     subject_type=subject_type))
