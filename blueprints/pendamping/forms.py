"""Forms of the facilitator workspace."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField, TelField
from wtforms.validators import DataRequired, Length

from blueprints.forms import Form
from blueprints.vendor.forms import StoreForm


class RegisterEntrepreneurForm(Form):
    """A new entrepreneur with a phone number only."""

    name = StringField(_l("Her full name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Her phone number"), validators=[DataRequired(), Length(max=30)],
                     description=_l("For example 0812 3456 7890 or +62 812-3456-7890."))
    consent = BooleanField(_l("She agrees that I may act for her store (she can withdraw "
                              "this at any time from her account)"))


class OpenStoreForForm(StoreForm):
    """Her store, opened by her facilitator: without the payout account, which only she gives."""

    bank_name = None
    bank_account_number = None
    bank_account_holder = None


class ActionForm(Form):
    """Only the CSRF token: a button that changes something."""
