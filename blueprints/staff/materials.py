"""Staff pages for raw materials: verify suppliers, demand by region and material, group
purchases."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from blueprints.common import staff_required, submit
from blueprints.forms import Form, options, province_options
from blueprints.staff import bp
from marketplace.extensions import db
from marketplace.regions import province_choices, province_name
from marketplace.services import programme


class PurchaseForm(Form):
    material = StringField(_l("Material"), validators=[DataRequired(), Length(max=80)])
    unit = SelectField(_l("Unit"), choices=options(programme.UNITS.items()))
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    note = TextAreaField(_l("Note for entrepreneurs"), validators=[Optional(), Length(max=2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))


class DecisionForm(Form):
    """Only the CSRF token."""


@bp.route("/materials", methods=["GET", "POST"])
@staff_required
def raw_materials():
    """Suppliers to verify, demand added up by province and material, group purchases."""
    province = request.args.get("province", "")
    form = PurchaseForm()
    return submit(form, lambda: programme.open_group_purchase(
                      current_user, material=form.material.data, unit=form.unit.data,
                      province_code=form.province_code.data, note=form.note.data or ""),
                  done=_("Group purchase opened."), next_url=url_for("staff.raw_materials"),
                  page=lambda status: (render_template(
                      "staff/materials.html", form=form, decision=DecisionForm(),
                      province=province, provinces=province_choices(),
                      province_name=province_name, units=programme.UNITS,
                      queue=programme.supplier_queue(current_user),
                      demand=programme.demand(current_user, province),
                      purchases=programme.group_purchases(current_user, province)), status))


@bp.post("/materials/suppliers/<int:profile_id>/<any(verify, reject):decision>")
@staff_required
def decide_supplier(profile_id: int, decision: str):
    """Verify or reject a supplier's application."""
    if DecisionForm().validate_on_submit():
        programme.decide_supplier(current_user, profile_id, decision == "verify")
        db.session.commit()
        flash(_("Supplier verified.") if decision == "verify" else _("Supplier rejected."),
              "success")
    return redirect(url_for("staff.raw_materials"))
