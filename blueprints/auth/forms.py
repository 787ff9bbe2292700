"""Forms for registering, logging in and resetting a password."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from blueprints.forms import Form


class LoginForm(Form):
    # Named "email" for old bookmarks and scripts; a phone number works too.
    email = StringField(_l("Email or phone number"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    remember = BooleanField(_l("Keep me logged in on this phone"))


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    phone = TelField(_l("Phone number (optional)"), validators=[Optional(), Length(max=20)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=128)],
        description=_l("At least 8 characters, with letters and numbers."),
    )
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(Form):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=128)],
        description=_l("At least 8 characters, with letters and numbers."),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )


class LogoutForm(Form):
    """Only the CSRF token: logging out is a POST so other sites cannot trigger it."""


class ActivateForm(Form):
    """A phone-only account sets its password with the code its facilitator handed over."""

    phone = TelField(_l("Your phone number"), validators=[DataRequired(), Length(max=30)])
    code = StringField(_l("Code from your facilitator"),
                       validators=[DataRequired(), Length(max=20)])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=128)],
        description=_l("At least 8 characters, with letters and numbers."),
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
