"""Her programme page: her facilitator (invite by code, give or withdraw consent), her
trainings and group businesses, and adding an email later."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length

from blueprints.account import bp
from blueprints.common import submit
from blueprints.forms import Form
from marketplace.extensions import db
from marketplace.services import programme, stores


class InviteForm(Form):
    code = StringField(_l("Your facilitator's invitation code"),
                       validators=[DataRequired(), Length(max=12)])


class ConsentForm(Form):
    allow = HiddenField(validators=[AnyOf(("yes", "no"))])


class EmailForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


def _page(status: int = 200, **forms):
    forms.setdefault("invite_form", InviteForm())
    forms.setdefault("email_form", EmailForm())
    return render_template("account/facilitator.html", case=programme.caseload_of(current_user),
                           trainings=programme.trainings_of(current_user),
                           memberships=stores.my_groups(current_user), roles=stores.ROLES,
                           ministries=programme.MINISTRIES, consent_form=ConsentForm(),
                           **forms), status


@bp.get("/facilitator")
@login_required
def facilitator():
    """Who her facilitator is, whether they may act for her store, and her email."""
    return _page()


@bp.post("/facilitator/invite")
@login_required
def invite_facilitator():
    """Invite a facilitator by their code."""
    form = InviteForm()
    return submit(form, lambda: programme.invite(current_user, form.code.data),
                  done=_("Your facilitator is added. You can allow them to act for your store."),
                  next_url=url_for("account.facilitator"),
                  page=lambda status: _page(status, invite_form=form))


@bp.post("/facilitator/consent")
@login_required
def facilitator_consent():
    """Give or withdraw permission for the facilitator to act for her store."""
    form = ConsentForm()
    if not form.validate_on_submit():
        abort(400)
    allow = form.allow.data == "yes"
    programme.set_consent(current_user, allow)
    db.session.commit()
    flash(_("Your facilitator may now act for your store.") if allow else
          _("Your facilitator can no longer act for your store."), "success")
    return redirect(url_for("account.facilitator"))


@bp.post("/email")
@login_required
def add_email():
    """Add an email to an account registered with a phone number only."""
    form = EmailForm()
    return submit(form, lambda: programme.add_email(current_user, form.email.data),
                  done=_("Your email is saved."), next_url=url_for("account.facilitator"),
                  page=lambda status: _page(status, email_form=form))

