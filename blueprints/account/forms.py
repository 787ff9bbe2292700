"""Profile and password forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from blueprints.forms import Form


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=20)])
    locale = SelectField(_l("Preferred language"),
                         choices=[("id", "Bahasa Indonesia"), ("en", "English")])


class ChangePasswordForm(Form):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=128)],
        description=_l("At least 8 characters, with letters and numbers."),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
