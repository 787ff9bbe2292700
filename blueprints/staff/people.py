"""Staff pages for facilitators: create them for a region, assign entrepreneurs to caseloads."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.common import show_errors, staff_required, submit
from blueprints.forms import Form, province_options
from blueprints.pendamping import training as training_pages
from blueprints.staff import bp
from marketplace.errors import DomainError, ValidationError
from marketplace.extensions import db
from marketplace.regions import province_choices, province_name
from marketplace.services import programme


class FacilitatorForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("First password"), validators=[DataRequired(), Length(max=128)],
                             description=_l("At least 8 characters, with letters and numbers."))
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    regency = StringField(_l("Regency or city (empty: the whole province)"),
                          validators=[Optional(), Length(max=120)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))


class AssignForm(Form):
    person = StringField(_l("Entrepreneur's email or phone number"),
                         validators=[DataRequired(), Length(max=254)])


def _list(form, status: int = 200):
    province = request.args.get("province", "")
    return render_template("staff/facilitators.html", form=form, province=province,
                           rows=programme.facilitators(current_user, province),
                           provinces=province_choices(), province_name=province_name), status


@bp.route("/facilitators", methods=["GET", "POST"])
@staff_required
def facilitator_list():
    """Facilitators by region with their caseload size; create a new one."""
    form = FacilitatorForm()
    return submit(form, lambda: programme.create_facilitator(
                      current_user, name=form.name.data, email=form.email.data,
                      password=form.password.data, province_code=form.province_code.data,
                      regency=form.regency.data),
                  done=_("Facilitator account created."),
                  next_url=url_for("staff.facilitator_list"),
                  page=lambda status: _list(form, status))


@bp.route("/facilitators/<int:user_id>", methods=["GET", "POST"])
@staff_required
def facilitator_detail(user_id: int):
    """One facilitator's caseload; assign an entrepreneur by email or phone."""
    profile = programme.get_facilitator(current_user, user_id)
    form = AssignForm()
    status = 200
    if form.validate_on_submit():
        try:
            programme.assign(current_user, user_id, form.person.data)
        except DomainError as exc:
            db.session.rollback()
            show_errors(form, ValidationError(exc.message, field="person"))
            status = 422
        else:
            db.session.commit()
            flash(_("Added to the caseload."), "success")
            return redirect(url_for("staff.facilitator_detail", user_id=user_id))
    elif form.is_submitted():
        status = 422
    return render_template("staff/facilitator.html", profile=profile, form=form,
                           cases=programme.caseload(profile.user),
                           region=province_name(profile.province_code)), status


training_pages.add_routes(bp, staff_required, "training")
