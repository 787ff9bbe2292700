"""Training records, outcomes and the people figures: the same pages for staff (every province)
and for facilitators (their own province); each blueprint registers them with its role guard."""

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.common import submit, template_page
from blueprints.forms import Form, options, province_options
from marketplace.regions import province_name
from marketplace.services import programme


class EventForm(Form):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=200)])
    ministry = SelectField(_l("Organised by"), choices=options(programme.MINISTRIES.items()))
    held_on = DateField(_l("Date"), validators=[DataRequired()])
    online = BooleanField(_l("Online"))
    place = StringField(_l("Place (if not online)"), validators=[Optional(), Length(max=200)])
    trainer = StringField(_l("Trainer"), validators=[DataRequired(), Length(max=120)])
    province_code = SelectField(_l("Province"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))


class AttendanceForm(Form):
    person = StringField(_l("Participant's email or phone number"),
                         validators=[DataRequired(), Length(max=254)])


def _here(endpoint: str, **values) -> str:
    return url_for(f"{request.blueprint}.{endpoint}", **values)


def training_events():
    """Training events with attendance counts; record a new one."""
    form = EventForm()
    return submit(form, lambda: programme.create_event(current_user, **{
                      name: getattr(form, name).data for name in (
                          "topic", "ministry", "held_on", "online", "place", "trainer",
                          "province_code")}),
                  done=_("Training recorded. Now add who attended."),
                  next_url=lambda event: _here("training_event", event_id=event.id),
                  page=lambda status: (render_template(
                      "pendamping/training_events.html", form=form,
                      events=programme.events(current_user), ministries=programme.MINISTRIES,
                      province_name=province_name), status))


def training_event(event_id: int):
    """One training: who attended; add a participant by email or phone."""
    event = programme.get_event(current_user, event_id)
    form = AttendanceForm()
    return submit(form, lambda: programme.record_attendance(current_user, event, form.person.data),
                  done=_("Attendance recorded."),
                  next_url=_here("training_event", event_id=event.id),
                  page=template_page("pendamping/training_event.html", event=event, form=form,
                                     ministries=programme.MINISTRIES,
                                     province_name=province_name))


def people_figures_context(province: str, regency: str = "") -> dict:
    """What `pendamping/_people_figures.html` shows: facilitator figures, households above the
    line and training outcomes (the facilitator page and the staff programme dashboard)."""
    return {"province": province, "regency": regency, "province_name": province_name,
            "rows": programme.facilitator_figures(current_user, province, regency),
            "households": programme.households(current_user, province),
            "outcomes": programme.outcomes(current_user, province)}


def people_figures():
    """The figures of the facilitator's own region (staff read them in the dashboard)."""
    if request.blueprint == "staff":
        return redirect(url_for("staff.programme_dashboard",
                                province=request.args.get("province", ""),
                                _anchor="facilitators"))
    return render_template("pendamping/figures.html", **people_figures_context(""))


def people_figures_csv():
    """The facilitator figures as CSV; names and emails only if an admin ticks the box."""
    body = programme.facilitators_csv(
        current_user, request.args.get("province", ""),
        include_personal=request.args.get("personal") == "1",
        regency=request.args.get("regency", "")[:120])
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=pendamping.csv"})


def training_outcomes_csv():
    """Trained vs not-yet-trained outcomes as CSV, with the caveat; no personal data."""
    body = programme.outcomes_csv(current_user, request.args.get("province", ""))
    return Response("\ufeff" + body, mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=pelatihan.csv"})


def add_routes(bp, guard, prefix: str) -> None:
    """Register these pages on a blueprint behind its role guard (`prefix`: its words)."""
    for rule, view, methods in (
        ("", training_events, ["GET", "POST"]),
        ("/<int:event_id>", training_event, ["GET", "POST"]),
        ("/figures", people_figures, ["GET"]),
        ("/figures.csv", people_figures_csv, ["GET"]),
        ("/outcomes.csv", training_outcomes_csv, ["GET"]),
    ):
        bp.add_url_rule(f"/{prefix}{rule}", view.__name__, guard(view), methods=methods)
