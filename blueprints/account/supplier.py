"""Raw-material suppliers: apply (staff verify), then post offers to provinces."""

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import IntegerField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length, NumberRange

from blueprints.account import bp
from blueprints.common import submit
from blueprints.forms import Form, options, province_options
from marketplace.regions import province_name
from marketplace.services import programme


def _provinces(field) -> None:
    field.choices = province_options(_l("Choose a province"))


class SupplierForm(Form):
    business_name = StringField(_l("Business name"), validators=[DataRequired(),
                                                                 Length(max=120)])
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    whatsapp = TelField(_l("WhatsApp number"), validators=[DataRequired(), Length(max=30)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _provinces(self.province_code)


class OfferForm(Form):
    material = StringField(_l("Material"), validators=[DataRequired(), Length(max=80)])
    unit = SelectField(_l("Unit"), choices=options(programme.UNITS.items()))
    unit_price = IntegerField(_l("Price per unit (Rp)"),
                              validators=[DataRequired(), NumberRange(min=1)])
    min_quantity = IntegerField(_l("Smallest order"), default=1,
                                validators=[DataRequired(), NumberRange(min=1)])
    province_code = SelectField(_l("Province supplied"), validators=[DataRequired()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _provinces(self.province_code)


def _page(status: int = 200, **forms):
    forms.setdefault("form", SupplierForm())
    forms.setdefault("offer_form", OfferForm())
    return render_template("account/supplier.html", profile=programme.supplier_of(current_user),
                           offers=programme.offers_of(current_user), units=programme.UNITS,
                           province_name=province_name, **forms), status


@bp.route("/supplier", methods=["GET", "POST"])
@login_required
def supplier():
    """Apply as a raw-material supplier, or see the application and offers."""
    form = SupplierForm()
    return submit(form, lambda: programme.apply_as_supplier(
                      current_user, business_name=form.business_name.data,
                      province_code=form.province_code.data, whatsapp=form.whatsapp.data),
                  done=_("Thank you. Staff will check your business before your offers are "
                         "shown."),
                  next_url=url_for("account.supplier"),
                  page=lambda status: _page(status, form=form))


@bp.post("/supplier/offers")
@login_required
def supplier_offer():
    """A verified supplier posts an offer."""
    form = OfferForm()
    return submit(form, lambda: programme.post_offer(
                      current_user, material=form.material.data, unit=form.unit.data,
                      unit_price=form.unit_price.data, min_quantity=form.min_quantity.data,
                      province_code=form.province_code.data),
                  done=_("Offer posted."), next_url=url_for("account.supplier"),
                  page=lambda status: _page(status, offer_form=form))

