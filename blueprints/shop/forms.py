"""Forms of the shop: cart lines, the checkout address and payment, proof of transfer."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from blueprints.common import IntegerField
from blueprints.forms import Form, options, province_options


class AddToCartForm(Form):
    variant_id = IntegerField(validators=[InputRequired()])
    quantity = IntegerField(_l("Quantity"), default=1,
                            validators=[InputRequired(), NumberRange(min=1, max=999)])


class QuantityForm(Form):
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(),
                                                        NumberRange(min=0, max=999)])


class CheckoutForm(Form):
    recipient = StringField(_l("Recipient name"), validators=[DataRequired(), Length(max=120)])
    phone = StringField(_l("Phone (WhatsApp)"), validators=[DataRequired(), Length(max=20)])
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    regency = StringField(_l("Regency / city"), validators=[DataRequired(), Length(max=120)])
    district = StringField(_l("District (kecamatan)"), validators=[DataRequired(),
                                                                   Length(max=120)])
    street = TextAreaField(_l("Street, house number, RT/RW"),
                           validators=[DataRequired(), Length(max=500)])
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(), Length(max=5)])
    save_address = BooleanField(_l("Save this address for next time"), default=True)
    method = RadioField(_l("Payment method"), validators=[Optional()])
    #: The goods' total the buyer saw; if prices changed meanwhile, nothing is placed.
    expected_subtotal = HiddenField()

    def __init__(self, methods, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))
        self.method.choices = options((m.value, m.label) for m in methods)

    def address(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "recipient", "phone", "province_code", "regency", "district", "street",
            "postal_code")}


class CardForm(Form):
    payment_method = RadioField(_l("Test card"), validators=[DataRequired()], choices=options([
        ("pm_card_visa", _l("Visa test card that succeeds")),
        ("pm_card_chargeCustomerFail", _l("Test card that is declined")),
    ]), default="pm_card_visa")


class ProofForm(Form):
    proof = FileField(_l("Photo of the transfer receipt"), validators=[
        FileRequired(_l("Choose a photo of the transfer receipt.")),
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Choose a JPEG, PNG or WebP photo."))])


class CancelUnpaidForm(Form):
    reason = TextAreaField(_l("Why do you cancel? (optional)"), validators=[Length(max=500)])
