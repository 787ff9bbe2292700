"""Forms of the vendor order desk, ledger, reviews and sales statements."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.forms import Form, options
from marketplace.services.orders import COURIERS


class ActionForm(Form):
    """A button that changes something: CSRF protection and nothing else."""


class ShipForm(Form):
    courier = SelectField(_l("Courier"), choices=options([("", "—")] + [(c, c) for c in COURIERS]),
                          validators=[Optional()])
    tracking_number = StringField(_l("Tracking number (resi)"),
                                  validators=[Optional(), Length(max=60)])


class CancelForm(Form):
    reason = TextAreaField(_l("Reason for cancelling"),
                           validators=[DataRequired(), Length(max=500)],
                           description=_l("The buyer sees this reason."))


class DecisionForm(Form):
    decision = RadioField(_l("Decision"), choices=options([("accept", _l("Accept and refund")),
                                                           ("reject", _l("Reject"))]),
                          validators=[DataRequired()])
    note = TextAreaField(_l("Note to the buyer (required when rejecting)"),
                         validators=[Optional(), Length(max=1000)])


class ReplyForm(Form):
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=1000)],
                          description=_l("Shown under the review. You can reply once."))


class VerifyStatementForm(Form):
    class Meta:
        csrf = False  # a read-only lookup (GET), nothing changes

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=60)])
