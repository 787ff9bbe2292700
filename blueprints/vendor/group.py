"""The group business (KUBE) page: member households, their roles and shares, with history."""

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DecimalField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from blueprints.common import act, submit
from blueprints.forms import Form, options
from blueprints.vendor import bp
from blueprints.vendor.acting import store_required
from marketplace.services import stores


class MemberForm(Form):
    person = StringField(_l("Member's email or phone number"),
                         validators=[DataRequired(), Length(max=254)])
    # A new member is most often a plain member; only the owner holds "owner".
    role = SelectField(_l("Role"), choices=options(stores.ROLES.items()), default="member")
    share = DecimalField(_l("Share of the income (%)"), places=2,
                         validators=[DataRequired(), NumberRange(min=0.01, max=100)])


class RemoveMemberForm(Form):
    """Only the CSRF token."""


def _page(store, form, status: int = 200):
    return render_template("vendor/group.html", store=store, form=form,
                           current=stores.members(store),
                           history=stores.members(store, include_past=True),
                           roles=stores.ROLES, remove=RemoveMemberForm()), status


@bp.route("/group", methods=["GET", "POST"])
@store_required
def group(store):
    """Members of the group business and their shares; add a member or change a share."""
    form = MemberForm()
    return submit(form, lambda: stores.set_member(current_user, store, form.person.data,
                                                  form.role.data,
                                                  int(round(form.share.data * 100))),
                  done=_("Member saved."), next_url=url_for("vendor.group"),
                  page=lambda status: _page(store, form, status))


@bp.post("/group/<int:member_id>/remove")
@store_required
def remove_member(store, member_id: int):
    """A member household leaves the group (kept in the history)."""
    if not RemoveMemberForm().validate_on_submit():
        return redirect(url_for("vendor.group"))
    return act(lambda: stores.remove_member(current_user, store, member_id),
               done=_("The member has left the group."), next_url=url_for("vendor.group"),
               failed_url=url_for("vendor.group"), failed_status=303)
