"""Profile, password and API token forms."""

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField, TelField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.forms import Form, options


class ProfileForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    phone = TelField(_l("Phone number"), validators=[Optional(), Length(max=20)])
    locale = SelectField(_l("Preferred language"),
                         choices=options([("id", "Bahasa Indonesia"), ("en", "English")]))


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


class ApiTokenForm(Form):
    """A new API token: personal (account page) or a ministry system's (admins)."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("Where it is used, e.g. \"Cashier app\"."))
    scopes = SelectMultipleField(_l("Permissions"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput(), validate_choice=False)
    days = SelectField(_l("Valid for"), coerce=int)

    def offer(self, scopes: list[str], descriptions: dict, lifetimes: tuple[int, ...]):
        """Set the choices this person may pick (from the token service)."""
        self.scopes.choices = options((s, f"{s}: {descriptions[s]}") for s in scopes)
        self.days.choices = options((d, _l("%(num)d days", num=d)) for d in lifetimes)
        return self
