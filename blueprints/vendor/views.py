"""Views of the vendor area: the owner's store, its settings, products, photos and CSV upload."""


from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from blueprints.common import act, paginate, submit, template_page
from blueprints.vendor import bp
from blueprints.vendor.acting import hide_payout_fields, store_required
from blueprints.vendor.forms import (
    AltTextForm,
    ImageUploadForm,
    ImportForm,
    PkhForm,
    ProductForm,
    ProductImageForm,
    QuickEditForm,
    RemoveForm,
    ShippingForm,
    StoreForm,
)
from marketplace.errors import ValidationError
from marketplace.extensions import db, limiter
from marketplace.models import Category
from marketplace.regions import province_choices
from marketplace.services import catalog, programme, stores
from marketplace.services.stores import vendor_todo

PAGE_SIZE = 30


def _category_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Category).order_by(Category.parent_id.nulls_first(),
                                                        Category.position))
    by_id = {c.id: c for c in rows}
    locale = str(get_locale() or "id")
    return [(c.id, f"{by_id[c.parent_id].name_for(locale)} › {c.name_for(locale)}")
            for c in by_id.values() if c.parent_id is not None]


# --- the store ---------------------------------------------------------------------------------

@bp.get("/")
@store_required
def dashboard(store):
    """The owner's to-do page: what waits today, each line linking to its list."""
    return render_template("vendor/dashboard.html", store=store,
                           todo=vendor_todo(current_user, store))


@bp.route("/open", methods=["GET", "POST"])
@login_required
def open_store():
    """Apply for a store: it stays pending (not public) until staff verify it."""
    if stores.store_of(current_user) is not None:
        return redirect(url_for("vendor.dashboard"))
    form = StoreForm()
    return submit(form, lambda: stores.open_store(current_user, **form.values()),
                  done=_("Your store is registered. Staff will check it; meanwhile you can add "
                         "products."),
                  next_url=url_for("vendor.dashboard"),
                  page=template_page("vendor/open.html", form=form))


@bp.route("/store", methods=["GET", "POST"])
@store_required
def settings(store):
    """The store's details: name, story, region, WhatsApp, payout account."""
    form = StoreForm(obj=store)
    hide_payout_fields(form, store)
    return submit(form, lambda: stores.update_store(current_user, store, **form.values()),
                  done=_("Store details saved."), next_url=url_for("vendor.settings"),
                  page=lambda status: _settings_page(store, status, form=form))


def _settings_page(store, status: int, **forms):
    forms.setdefault("pkh_form", PkhForm())
    return render_template("vendor/settings.html", store=store, upload=ImageUploadForm(),
                           remove=RemoveForm(), **forms), status


@bp.post("/store/pkh")
@store_required
@limiter.limit("10 per hour", key_func=lambda: f"pkh-{current_user.id}")
def pkh_graduate(store):
    """The owner enters her NIK; on the PKH graduate roster, her store shows as verified."""
    pkh_form = PkhForm()

    def page(status):
        pkh_form.nik.data = ""  # a NIK is never echoed back into the page
        form = StoreForm(obj=store)
        hide_payout_fields(form, store)
        return _settings_page(store, status, form=form, pkh_form=pkh_form)

    return submit(pkh_form, lambda: programme.match_owner(current_user, store, pkh_form.nik.data),
                  done=_("Your household is on the PKH graduate roster: your store is marked "
                         "as a verified PKH graduate."),
                  next_url=url_for("vendor.settings"), page=page)


@bp.post("/store/<any(logo, banner):kind>")
@store_required
def store_image(store, kind: str):
    """Upload a new logo or banner (through the image pipeline)."""
    form = ImageUploadForm()
    if not form.validate_on_submit():
        flash(_("Choose a photo to upload."), "error")
        return redirect(url_for("vendor.settings")), 303
    return act(lambda: stores.set_store_image(current_user, store, kind, form.image.data.read()),
               done=_("Photo saved."), next_url=url_for("vendor.settings"),
               failed_url=url_for("vendor.settings"), failed_status=303)


@bp.post("/store/<any(logo, banner):kind>/remove")
@store_required
def remove_store_image(store, kind: str):
    """Remove the logo or banner."""
    if RemoveForm().validate_on_submit():
        stores.set_store_image(current_user, store, kind, None)
        db.session.commit()
        flash(_("Photo removed."), "success")
    return redirect(url_for("vendor.settings"))


@bp.route("/store/shipping", methods=["GET", "POST"])
@store_required
def shipping(store):
    """Self-delivery, pickup, and a courier fee for every province with exceptions."""
    everywhere, exceptions = stores.courier_fees(store)
    form = ShippingForm(obj=store, data={"courier_fee_all": everywhere, **{
        f"rate_{code}": fee for code, fee in exceptions.items()}})
    return submit(form, lambda: stores.update_shipping(
                      current_user, store, self_delivery_enabled=form.self_delivery_enabled.data,
                      self_delivery_fee=form.self_delivery_fee.data or 0,
                      pickup_enabled=form.pickup_enabled.data,
                      pickup_address=form.pickup_address.data,
                      courier_enabled=form.courier_enabled.data,
                      courier_rates=form.courier_rates(),
                      courier_fee_all=form.courier_fee_all.data),
                  done=_("Shipping options saved."), next_url=url_for("vendor.shipping"),
                  page=template_page("vendor/shipping.html", form=form, store=store,
                                     provinces=province_choices()))


# --- products ----------------------------------------------------------------------------------

def _showing_options(form) -> bool:
    """The product form came back to label its variant rows with the option names just typed
    (the page works without JavaScript); nothing is saved, so nothing is checked yet."""
    return form.is_submitted() and bool(request.form.get("show_options"))


def _variant_name(variant) -> str:
    return f"{variant.product.title} ({variant.label})" if variant.label else \
        variant.product.title


@bp.get("/products")
@store_required
def products(store):
    """The product list with quick price/stock edits (filter by status, search by name)."""
    page = paginate(catalog.products_of(store, request.args.get("status"), request.args.get("q")),
                    per_page=PAGE_SIZE)
    return render_template("vendor/products.html", store=store, page=page,
                           quick=QuickEditForm(), remove=RemoveForm())


@bp.route("/products/new", methods=["GET", "POST"])
@store_required
def new_product(store):
    """Add a product with one or more variants."""
    form = ProductForm()
    form.set_categories(_category_choices())
    if _showing_options(form):
        return render_template("vendor/product_form.html", form=form, store=store, product=None,
                               showing_options=True)
    return submit(form, lambda: catalog.create_product(current_user, store, **form.values()),
                  done=_("Product saved. Add photos so buyers can see it."),
                  next_url=lambda product: url_for("vendor.product_images",
                                                   product_id=product.id),
                  page=template_page("vendor/product_form.html", form=form, store=store,
                                     product=None))


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@login_required
def edit_product(product_id: int):
    """Change a product, its variants and food permits."""
    product = catalog.own_product(current_user, product_id)
    form = ProductForm(obj=product)
    form.set_categories(_category_choices())
    if not form.is_submitted():
        form.version.data = catalog.edit_version(product)
        form.show_variants(product.variants)
        while len(form.variants) < len(product.variants) + 2:
            form.variants.append_entry()
    if _showing_options(form):
        return render_template("vendor/product_form.html", form=form, store=product.store,
                               product=product, showing_options=True)

    def page(status: int):
        if form.version.errors:  # she has now been shown the new stock: the next save counts
            form.version.data = catalog.edit_version(product)
        return render_template("vendor/product_form.html", form=form, store=product.store,
                               product=product), status

    return submit(form, lambda: catalog.update_product(current_user, product, **form.values(),
                                                       version=form.version.data or None),
                  done=_("Product saved."), next_url=url_for("vendor.products"), page=page)


@bp.post("/variants/<int:variant_id>/quick")
@login_required
def quick_edit(variant_id: int):
    """Change one variant's price and stock from the product list."""
    variant = catalog.own_variant(current_user, variant_id)
    form = QuickEditForm()
    if not form.validate_on_submit():
        flash(_("Enter the price and stock as whole numbers."), "error")
        return redirect(url_for("vendor.products")), 303
    try:
        catalog.set_price_and_stock(current_user, variant, form.price.data, form.stock.data,
                                    form.seen_stock.data)
    except ValidationError as exc:
        db.session.rollback()
        flash(f"{_variant_name(variant)}: {exc.message}", "error")
        return redirect(url_for("vendor.products")), 303
    db.session.commit()
    flash(_("%(variant)s: price and stock saved.", variant=_variant_name(variant)), "success")
    return redirect(url_for("vendor.products", _anchor=f"variant-{variant.id}"))


@bp.post("/products/<int:product_id>/archive")
@login_required
def archive_product(product_id: int):
    """Archive a product: off the shop, kept for past orders."""
    product = catalog.own_product(current_user, product_id)
    if RemoveForm().validate_on_submit():
        catalog.archive_product(current_user, product)
        db.session.commit()
        flash(_("\"%(title)s\" is archived.", title=product.title), "success")
    return redirect(url_for("vendor.products"))


@bp.post("/products/<int:product_id>/delete")
@login_required
def delete_product(product_id: int):
    """Delete a product never ordered; one with orders or reviews is archived instead."""
    product = catalog.own_product(current_user, product_id)
    title = product.title
    if RemoveForm().validate_on_submit():
        deleted = catalog.remove_product(current_user, product)
        db.session.commit()
        flash(_("\"%(title)s\" was deleted.", title=title) if deleted else _(
            "\"%(title)s\" has orders or reviews, so it was archived instead of deleted.",
            title=title), "success")
    return redirect(url_for("vendor.products"))


# --- product photos ----------------------------------------------------------------------------

@bp.route("/products/<int:product_id>/images", methods=["GET", "POST"])
@login_required
def product_images(product_id: int):
    """Up to 8 photos: add, describe, reorder, remove. The first is the cover."""
    product = catalog.own_product(current_user, product_id)
    form = ProductImageForm()
    return submit(form, lambda: catalog.add_product_image(current_user, product,
                                                          form.image.data.read(),
                                                          form.alt.data or ""),
                  done=_("Photo added."),
                  next_url=url_for("vendor.product_images", product_id=product.id),
                  page=template_page("vendor/product_images.html", form=form, product=product,
                                     remove=RemoveForm()))


@bp.post("/products/<int:product_id>/images/<int:image_id>/alt")
@login_required
def image_alt(product_id: int, image_id: int):
    """Change a photo's description."""
    product = catalog.own_product(current_user, product_id)
    product_image = catalog.own_product_image(current_user, product, image_id)
    form = AltTextForm()
    if form.validate_on_submit():
        catalog.set_image_alt(current_user, product_image, form.alt.data)
        db.session.commit()
        flash(_("Photo description saved."), "success")
    else:
        flash(_("Describe the photo in at most 200 characters."), "error")
    return redirect(url_for("vendor.product_images", product_id=product.id))


@bp.post("/products/<int:product_id>/images/<int:image_id>/<any(up, down, remove):action>")
@login_required
def image_action(product_id: int, image_id: int, action: str):
    """Move a photo earlier or later, or remove it."""
    product = catalog.own_product(current_user, product_id)
    product_image = catalog.own_product_image(current_user, product, image_id)
    if RemoveForm().validate_on_submit():
        if action == "remove":
            catalog.remove_product_image(current_user, product_image)
        else:
            catalog.move_product_image(current_user, product_image, -1 if action == "up" else 1)
        db.session.commit()
    return redirect(url_for("vendor.product_images", product_id=product.id))


# --- CSV bulk upload ---------------------------------------------------------------------------

@bp.route("/products/import", methods=["GET", "POST"])
@store_required
def import_products(store):
    """Upload many products at once from a CSV file; a background job imports all rows or none."""
    form = ImportForm()
    return submit(form, lambda: catalog.start_import(current_user, store,
                                                     form.file.data.read()),
                  done=None,
                  next_url=lambda task: url_for("vendor.import_progress", task_id=task.id),
                  page=template_page("vendor/import.html", form=form))


@bp.get("/products/import/<int:task_id>")
@store_required
def import_progress(store, task_id: int):
    """How far an upload's import is; refreshes itself until it is done, then its result."""
    task = catalog.import_task(current_user, store, task_id)
    return render_template("vendor/import_progress.html", task=task)


@bp.get("/products/import/<any(template, example):kind>.csv")
@login_required
def import_file(kind: str):
    """The empty template or the filled-in example, as CSV."""
    body = "\ufeff" + catalog.template_csv(example=kind == "example")
    name = "contoh-produk.csv" if kind == "example" else "template-produk.csv"
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename={name}"})
