"""Forms of the staff area."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blueprints.common import DateField, IntegerField
from blueprints.forms import Form, options, province_options
from marketplace.regions import province_name


class NoteForm(Form):
    """Approve or reinstate: an optional note."""

    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class ReasonForm(Form):
    """Reject, suspend or hide: a reason the vendor sees."""

    reason = TextAreaField(_l("Reason (the seller sees this)"),
                           validators=[DataRequired(), Length(max=1000)])


class ActionForm(Form):
    """A button that only needs the CSRF token."""


class FeatureForm(Form):
    store_id = SelectField(_l("Store"), coerce=int, validators=[DataRequired()])
    position = IntegerField(_l("Position on the home page"), default=1,
                            validators=[DataRequired(), NumberRange(min=1, max=50)])
    starts_at = DateTimeLocalField(_l("Starts (Jakarta time)"), format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends (Jakarta time)"), format="%Y-%m-%dT%H:%M",
                                 validators=[DataRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=1000)])


class PreviewForm(Form):
    class Meta:
        csrf = False

    at = DateTimeLocalField(_l("Show the home page as at (Jakarta time)"),
                            format="%Y-%m-%dT%H:%M", validators=[DataRequired()])


class StaffAccountForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("First password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("At least 8 characters, with letters and numbers."))
    role = SelectField(_l("Role"), choices=options([("staff", _l("Staff")),
                                                    ("admin", _l("Admin"))]))


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(_l("Actor email starts with"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=60)])
    subject_type = StringField(_l("Subject type"), validators=[Optional(), Length(max=30)])
    subject_id = IntegerField(_l("Subject number"), validators=[Optional()])
    since = DateField(_l("From day"), validators=[Optional()])
    until = DateField(_l("To day"), validators=[Optional()])


THRESHOLD_KINDS = options([("ump", _l("UMP (provincial minimum wage)")),
                           ("umk", _l("UMK (regency or city minimum wage)")),
                           ("poverty_line", _l("Poverty line"))])


class DashboardForm(Form):
    class Meta:
        csrf = False

    province = SelectField(_l("Province"), validators=[Optional()])
    kind = SelectField(_l("Income line"), choices=THRESHOLD_KINDS, default="ump")
    months = IntegerField(_l("Consecutive months above the line"), default=3,
                          validators=[Optional(), NumberRange(min=1, max=24)])
    #: "<province code>:<regency>" of facilitators' areas (regency empty: a whole province).
    area = SelectField(_l("Facilitators' area"), validators=[Optional()])

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.province.choices = province_options(_l("All provinces"))
        self.area.choices = options([("", _l("Every area"))] + [
            (f"{code}:{regency}", f"{province_name(code)}, {regency}" if regency
             else province_name(code)) for code, regency in areas])


class ThresholdForm(Form):
    kind = SelectField(_l("Income line"), choices=THRESHOLD_KINDS)
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    regency = StringField(_l("Regency or city (empty for the whole province)"),
                          validators=[Optional(), Length(max=120)])
    amount = IntegerField(_l("Monthly amount in rupiah"), validators=[DataRequired()])
    effective_from = DateField(_l("Applies from"), validators=[DataRequired()])
    effective_to = DateField(_l("Applies until (optional, last day)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))


class ExportForm(Form):
    kind = SelectField(_l("What to export"), choices=options([
        ("stores", _l("Stores")), ("sales", _l("Sales by month")),
        ("graduation", _l("Graduation status")), ("totals", _l("Programme totals"))]))
    fmt = SelectField(_l("Format"), choices=options([("csv", "CSV"), ("json", "JSON")]),
                      default="csv")
    province_code = SelectField(_l("Province"), validators=[Optional()])
    start = DateField(_l("From month"), format="%Y-%m", validators=[Optional()],
                      render_kw={"type": "month"})
    end = DateField(_l("To month"), format="%Y-%m", validators=[Optional()],
                    render_kw={"type": "month"})
    threshold_kind = SelectField(_l("Income line (graduation)"), choices=THRESHOLD_KINDS,
                                 default="ump")
    months_required = IntegerField(_l("Consecutive months (graduation)"), default=3,
                                   validators=[Optional(), NumberRange(min=1, max=24)])
    include_personal = BooleanField(_l("Include personal data (admins only)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("All provinces"))
