"""Raw materials for the store: post needs, see suppliers' offers nearby, join group purchases."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from blueprints.common import submit
from blueprints.forms import Form, options
from blueprints.vendor import bp
from blueprints.vendor.acting import store_required
from marketplace.extensions import db
from marketplace.services import programme


class NeedForm(Form):
    material = StringField(_l("Material"), validators=[DataRequired(), Length(max=80)],
                           description=_l("For example: tepung tapioka, benang katun."))
    quantity = IntegerField(_l("Quantity"), validators=[DataRequired(), NumberRange(min=1)])
    unit = SelectField(_l("Unit"), choices=options(programme.UNITS.items()))
    needed_by = DateField(_l("Needed by"), validators=[DataRequired()])


class JoinForm(Form):
    quantity = IntegerField(_l("My quantity"), validators=[DataRequired(), NumberRange(min=1)])


class ActionForm(Form):
    """Only the CSRF token."""


def _page(form, status: int = 200):
    offers = programme.offers_for(current_user)
    links = {o.id: programme.whatsapp_link(o.supplier.whatsapp, _(
        "Hello, I saw your offer of %(material)s on Pasar Mandiri.", material=o.material))
        for o in offers}
    return render_template("vendor/materials.html", form=form, join=JoinForm(),
                           action=ActionForm(), needs=programme.needs_of(current_user),
                           offers=offers, links=links, units=programme.UNITS,
                           purchases=programme.group_purchases(current_user)), status


@bp.route("/materials", methods=["GET", "POST"])
@store_required
def raw_materials(store):
    """Her raw-material needs, matching offers and her province's group purchases."""
    form = NeedForm()
    return submit(form, lambda: programme.post_need(current_user, material=form.material.data,
                                                    quantity=form.quantity.data,
                                                    unit=form.unit.data,
                                                    needed_by=form.needed_by.data),
                  done=_("Your need is posted."), next_url=url_for("vendor.raw_materials"),
                  page=lambda status: _page(form, status))


@bp.post("/materials/<int:need_id>/close")
@store_required
def close_need(store, need_id: int):
    """She no longer needs this material."""
    if not ActionForm().validate_on_submit():
        abort(400)
    programme.close_need(current_user, need_id)
    db.session.commit()
    flash(_("The need is closed."), "success")
    return redirect(url_for("vendor.raw_materials"))


@bp.post("/materials/purchases/<int:purchase_id>/join")
@store_required
def join_purchase(store, purchase_id: int):
    """Join a group purchase of her province with a quantity."""
    form = JoinForm()
    if not form.validate_on_submit():
        flash(_("Enter the quantity as a whole number."), "error")
        return redirect(url_for("vendor.raw_materials")), 303
    programme.join_group_purchase(current_user, purchase_id, form.quantity.data)
    db.session.commit()
    flash(_("You joined the group purchase."), "success")
    return redirect(url_for("vendor.raw_materials"))
