"""Forms of the vendor area: opening a store, its settings, products, photos and CSV upload."""

from types import SimpleNamespace

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from markupsafe import Markup
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from blueprints.common import DateField, IntegerField
from blueprints.forms import Form, SubForm, options, province_options
from marketplace.models import ProductStatus
from marketplace.regions import province_choices
from marketplace.services.stores import BANKS

VARIANT_ROWS = 6


class StoreForm(Form):
    """Open a store, or change its details."""

    name = StringField(_l("Store name"), validators=[DataRequired(), Length(max=80)])
    story = TextAreaField(_l("Your story"), validators=[Optional(), Length(max=5000)],
                          description=_l("Who you are and how you make your products."))
    province_code = SelectField(_l("Province"), validators=[DataRequired()])
    regency = StringField(_l("Regency or city"), validators=[DataRequired(), Length(max=120)],
                          description=_l("For example: Kabupaten Pekalongan or Kota Solo."))
    whatsapp = TelField(_l("WhatsApp number"), validators=[DataRequired(), Length(max=20)],
                        description=_l("Buyers reach you here, e.g. 0812 3456 7890."))
    participant_code = StringField(_l("PKH/KUBE participant code (optional)"),
                                   validators=[Optional(), Length(max=40)])
    bank_name = SelectField(_l("Bank for payouts"), validators=[DataRequired()],
                            choices=options((b, b) for b in BANKS))
    bank_account_number = StringField(_l("Account number"),
                                      validators=[DataRequired(), Length(max=30)])
    bank_account_holder = StringField(_l("Account holder name"),
                                      validators=[DataRequired(), Length(max=120)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.province_code.choices = province_options(_l("Choose a province"))

    def values(self) -> dict:
        # The payout fields are absent when a facilitator edits (only the owner has them).
        return {name: getattr(self, name).data for name in (
            "name", "story", "province_code", "regency", "whatsapp", "participant_code",
            "bank_name", "bank_account_number", "bank_account_holder") if name in self}


class ImageUploadForm(Form):
    """One photo: a store logo or banner."""

    image = FileField(_l("Photo (JPEG, PNG or WebP, up to 10 MB)"), validators=[FileRequired()])


class RemoveForm(Form):
    """A button-only form (CSRF) for removing or moving something."""


class ShippingForm(Form):
    """How buyers receive their goods."""

    self_delivery_enabled = BooleanField(_l("I deliver myself within my regency"))
    self_delivery_fee = IntegerField(_l("Self-delivery fee (Rp)"),
                                     validators=[Optional(), NumberRange(min=0)])
    pickup_enabled = BooleanField(_l("Buyers can pick up"))
    pickup_address = TextAreaField(_l("Pickup address"),
                                   validators=[Optional(), Length(max=500)],
                                   description=_l("Needed only when buyers can pick up."))
    courier_enabled = BooleanField(_l("Send by courier"))
    courier_fee_all = IntegerField(_l("Courier fee to every province (Rp)"),
                                   validators=[Optional(), NumberRange(min=0)],
                                   description=_l("One ongkir for all of Indonesia. Leave it "
                                                  "empty to send only to the provinces you "
                                                  "list below."))

    def courier_rates(self) -> dict[str, int]:
        """The provinces given their own fee (the rate_<code> fields, added below)."""
        return {code: self[f"rate_{code}"].data for code, _name in province_choices()
                if self[f"rate_{code}"].data is not None}


class VariantRow(SubForm):
    """One line of the variant table (without its own CSRF token); the option fields are
    labelled with the option types the vendor named (ProductForm.variant_rows)."""

    LABELS = {"sku": _l("SKU (optional)"), "price": _l("Price (Rp)"), "stock": _l("Stock")}

    variant_id = IntegerField(widget=HiddenInput(), validators=[Optional()])
    option1 = StringField(validators=[Optional(), Length(max=40)])
    option2 = StringField(validators=[Optional(), Length(max=40)])
    sku = StringField(LABELS["sku"], validators=[Optional(), Length(max=64)])
    price = IntegerField(LABELS["price"], validators=[Optional()])
    stock = IntegerField(LABELS["stock"], validators=[Optional()])

    def has_input(self) -> bool:
        return any(str(f.data).strip() for f in (self.sku, self.option1, self.option2,
                                                 self.price, self.stock) if f.data is not None)


class ProductForm(Form):
    """A product with its variants and food permits."""

    #: `catalog.edit_version` of the product as this form was filled (editing only).
    version = StringField(widget=HiddenInput())
    title = StringField(_l("Product name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)],
                                description=_l("Plain text; line breaks are kept."))
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=options([
        (ProductStatus.DRAFT.value, _l("Draft (only you see it)")),
        (ProductStatus.ACTIVE.value, _l("Active (for sale)")),
        (ProductStatus.ARCHIVED.value, _l("Archived")),
    ]))
    weight_grams = IntegerField(_l("Weight in grams"), validators=[InputRequired()],
                                description=_l("With packaging; used for ongkir."))
    option1_name = StringField(_l("First option type (optional)"),
                               validators=[Optional(), Length(max=30)],
                               description=_l("For example Ukuran; leave empty for one "
                                              "variant."))
    option2_name = StringField(_l("Second option type (optional)"),
                               validators=[Optional(), Length(max=30)],
                               description=_l("For example Warna."))
    variants = FieldList(FormField(VariantRow), min_entries=VARIANT_ROWS,
                         max_entries=VARIANT_ROWS + 50)
    pirt_number = StringField(_l("P-IRT number (food)"), validators=[Optional(),
                                                                     Length(max=30)])
    pirt_expires_on = DateField(_l("P-IRT valid until"), validators=[Optional()])
    halal_number = StringField(_l("Halal certificate number"),
                               validators=[Optional(), Length(max=40)])
    halal_expires_on = DateField(_l("Halal certificate valid until"), validators=[Optional()])
    nib = StringField(_l("NIB (business number)"), validators=[Optional(), Length(max=20)])

    def set_categories(self, categories) -> None:
        self.category_id.choices = options([(0, _l("Choose a category")), *categories])

    def show_variants(self, variants) -> None:
        """Fill the rows with the product's variants still on sale, each tied to its variant by
        the hidden id (so a row whose SKU is emptied keeps its variant)."""
        self.variants.process(None, [SimpleNamespace(
            variant_id=v.id, option1=v.option1, option2=v.option2, sku=v.sku, price=v.price,
            stock=v.stock) for v in variants if v.active])

    @property
    def option_names(self) -> tuple[str, str]:
        return tuple((f.data or "").strip() for f in (self.option1_name, self.option2_name))

    def variant_rows(self):
        """The variant rows, each field labelled so that its name is unique on the page: the
        visible label (an option field shows the vendor's own option name, e.g. "Ukuran"),
        then "variant 2" for screen readers, who do not see the numbered boxes."""
        labels = {**VariantRow.LABELS, "option1": self.option_names[0],
                  "option2": self.option_names[1]}
        for number, row in enumerate(self.variants, 1):
            suffix = _("variant %(n)d", n=number)
            for key, text in labels.items():
                row[key].label.text = Markup(
                    '{}<span class="visually-hidden"> {}</span>').format(text, suffix)
            yield row

    def values(self) -> dict:
        rows = [{"id": row.variant_id.data, "row": number,
                 "option1": row.option1.data, "option2": row.option2.data,
                 "sku": row.sku.data, "price": row.price.data,
                 "stock": row.stock.data if row.stock.data is not None else 0}
                for number, row in enumerate(self.variants, 1) if row.has_input()]
        return {
            "title": self.title.data, "description": self.description.data or "",
            "category_id": self.category_id.data, "status": self.status.data,
            "weight_grams": self.weight_grams.data, "option1_name": self.option1_name.data,
            "option2_name": self.option2_name.data, "variants": rows,
            **{name: getattr(self, name).data for name in (
                "pirt_number", "pirt_expires_on", "halal_number", "halal_expires_on", "nib")},
        }


class QuickEditForm(Form):
    """Price and stock of one variant, right from the product list."""

    price = IntegerField(_l("Price (Rp)"), validators=[InputRequired()])
    stock = IntegerField(_l("Stock"), validators=[InputRequired()])
    #: The stock the list showed when the vendor typed (a sale since refuses the save).
    seen_stock = IntegerField(widget=HiddenInput(), validators=[Optional()])


class ProductImageForm(Form):
    """Add a photo to a product."""

    image = FileField(_l("Photo (JPEG, PNG or WebP, up to 10 MB)"), validators=[FileRequired()])
    alt = StringField(_l("Describe the photo"), validators=[Optional(), Length(max=200)],
                      description=_l("For buyers who cannot see it, e.g. \"Keripik tempe in a "
                                     "250 g pouch\"."))


class AltTextForm(Form):
    alt = StringField(_l("Photo description"), validators=[DataRequired(), Length(max=200)])


class PkhForm(Form):
    """The owner's NIK, matched against the PKH graduate roster (never stored as entered)."""

    nik = StringField(_l("NIK of the head of household (16 digits)"),
                      validators=[DataRequired(), Length(max=40)],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})


class ImportForm(Form):
    """CSV bulk upload."""

    file = FileField(_l("CSV file"), validators=[FileRequired()])


def _add_courier_rate_fields() -> None:
    # One optional fee field per destination province (38): a fee different from the one for
    # every province, or (without that one) the only provinces the courier goes to.
    for code, name in province_choices():
        setattr(ShippingForm, f"rate_{code}", IntegerField(
            _l("Courier fee to %(province)s (Rp)", province=name),
            validators=[Optional(), NumberRange(min=0)]))


_add_courier_rate_fields()
