"""Views of the shop: the cart, the checkout, and paying (card, bank transfer, COD)."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from blueprints.common import int_arg, safe_next, show_errors, submit
from blueprints.shop import bp
from blueprints.shop.forms import (
    AddToCartForm,
    CancelUnpaidForm,
    CardForm,
    CheckoutForm,
    ProofForm,
    QuantityForm,
)
from marketplace import stripe_gateway
from marketplace.errors import Conflict, ValidationError
from marketplace.extensions import db
from marketplace.models import Cart, PaymentMethod, ShippingMethod
from marketplace.services import orders, payments, stores


def _cart(create: bool = False) -> Cart | None:
    """This visitor's cart: the buyer's stored one, or the guest's behind the session token."""
    if current_user.is_authenticated:
        found = db.session.scalar(db.select(Cart).where(Cart.user_id == current_user.id))
        return found or (orders.cart_for_user(current_user) if create else None)
    cart = orders.guest_cart(session.get("cart_token"))
    if cart is None and create:
        cart = orders.new_guest_cart()
        session["cart_token"] = cart.token
    return cart


@bp.route("/cart")
def cart():
    """The cart, grouped by store, with changes in price or stock pointed out."""
    return render_template("shop/cart.html", view=orders.view_cart(_cart()),
                           form=QuantityForm(formdata=None))


@bp.route("/cart/add", methods=["POST"])
def add_to_cart():
    """Add a variant to the cart (the product page's form posts here)."""
    form = AddToCartForm()
    if not form.validate():
        flash(_("Enter a quantity of at least 1."), "error")
        return redirect(safe_next("shop.cart"))
    orders.add_to_cart(_cart(create=True), form.variant_id.data, form.quantity.data)
    db.session.commit()
    flash(_("Added to your cart."), "success")
    return redirect(url_for("shop.cart"))


@bp.route("/cart/lines/<int:line_id>", methods=["POST"])
def update_line(line_id: int):
    """Change a line's quantity (0 removes it)."""
    form = QuantityForm()
    if not form.validate():
        flash(_("Enter a quantity from 0 to 999."), "error")
        return redirect(url_for("shop.cart"))
    orders.set_quantity(_cart() or abort(404), line_id, form.quantity.data)
    db.session.commit()
    flash(_("Your cart was updated."), "success")
    return redirect(url_for("shop.cart"))


@bp.route("/cart/lines/<int:line_id>/remove", methods=["POST"])
def remove_line(line_id: int):
    """Take a line out of the cart."""
    orders.remove_line(_cart() or abort(404), line_id)
    db.session.commit()
    flash(_("Removed from your cart."), "success")
    return redirect(url_for("shop.cart"))


def _checkout_page(form, view, status=200):
    choices = orders.shipping_choices([group.store for group in view.groups], form.address())
    return render_template("shop/checkout.html", form=form, view=view, choices=choices,
                           addresses=orders.saved_addresses(current_user),
                           card_limit=stripe_gateway.card_limit_rupiah()), status


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    """Address, shipping per store, payment method, total; placing the order reserves stock."""
    if not current_user.is_authenticated:  # say why, and keep the cart for after the login
        flash(_("Log in or register to check out; your cart is kept."), "info")
        return redirect(url_for("auth.login", next=url_for("shop.checkout")))
    view = orders.view_cart(_cart())
    if not view.groups:
        return redirect(url_for("shop.cart"))
    form = CheckoutForm(orders.available_methods(), data=_default_address())
    if request.method == "GET" or request.form.get("action") == "refresh":
        return _checkout_page(form, view)
    shipping = {g.store.id: request.form.get(f"shipping-{g.store.id}") for g in view.groups}
    try:
        placed = orders.place_order(
            current_user, _cart(), form.address(), _method(form.method.data), _shipping(shipping),
            {g.store.id: request.form.get(f"note-{g.store.id}") for g in view.groups},
            save_address=form.save_address.data,
            expected_subtotal=int_arg("expected_subtotal", values=request.form, minimum=0))
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc)
        return _checkout_page(form, orders.view_cart(_cart()), 422)
    except Conflict as exc:  # stok habis, or the total changed: show the page again
        db.session.rollback()
        flash(str(exc.message), "error")
        return _checkout_page(form, orders.view_cart(_cart()), 409)
    db.session.commit()
    return redirect(url_for("shop.pay", reference=placed.reference))


def _default_address() -> dict | None:
    if request.method == "POST":
        return None
    saved = orders.saved_addresses(current_user)
    if saved:
        a = saved[0]
        return {k: getattr(a, k) for k in ("recipient", "phone", "province_code", "regency",
                                           "district", "street", "postal_code")}
    return {"recipient": current_user.name, "phone": current_user.phone}


def _shipping(raw: dict) -> dict:
    return {sid: ShippingMethod(v) for sid, v in raw.items()
            if v in {m.value for m in ShippingMethod}}


def _method(value) -> PaymentMethod | None:
    return PaymentMethod(value) if value in {m.value for m in PaymentMethod} else None


@bp.route("/checkout/<reference>")
@login_required
def pay(reference: str):
    """How to pay this checkout (card, transfer instructions, COD), and its real status."""
    placed = payments.checkout_for_buyer(current_user, reference)
    payment = payments.refresh_card_payment(current_user, placed)
    db.session.commit()
    return render_template("shop/pay.html", checkout=placed, payment=payment,
                           card_form=CardForm(), proof_form=ProofForm(),
                           cancel_form=CancelUnpaidForm(), awaiting=payments.is_awaiting(placed),
                           hosted=stripe_gateway.uses_hosted_checkout(),
                           due=payments.amount_due(placed),
                           pickups={o.id: stores.pickup_address(o) for o in placed.orders})


@bp.route("/checkout/<reference>/card", methods=["POST"])
@login_required
def pay_card(reference: str):
    """Pay by card: a test payment method on a local gateway, Stripe's hosted page otherwise."""
    placed = payments.checkout_for_buyer(current_user, reference)
    if stripe_gateway.uses_hosted_checkout():
        back = url_for("shop.pay", reference=reference, _external=True)
        url = payments.start_hosted_card_payment(current_user, placed, back, back)
        db.session.commit()
        return redirect(url, code=303)
    form = CardForm()
    payment = payments.pay_by_card(current_user, placed, form.payment_method.data or "")
    db.session.commit()
    if payment.failure_message:
        flash(payment.failure_message, "error")
    return redirect(url_for("shop.pay", reference=reference))


@bp.route("/checkout/<reference>/proof", methods=["POST"])
@login_required
def upload_proof(reference: str):
    """Upload a photo of the bank transfer receipt."""
    placed = payments.checkout_for_buyer(current_user, reference)
    form = ProofForm()
    return submit(form, lambda: payments.upload_transfer_proof(current_user, placed,
                                                               form.proof.data.read()),
                  done=_("Thank you! Staff will check your transfer soon."),
                  next_url=url_for("shop.pay", reference=reference),
                  page=lambda status: (render_template(
                      "shop/pay.html", checkout=placed, payment=payments.payment_for(placed),
                      card_form=CardForm(), proof_form=form, cancel_form=CancelUnpaidForm(),
                      awaiting=payments.is_awaiting(placed), hosted=False,
                      due=payments.amount_due(placed)), status))


@bp.route("/checkout/<reference>/cancel", methods=["POST"])
@login_required
def cancel_checkout(reference: str):
    """Cancel an unpaid checkout; its items go back on sale."""
    placed = payments.checkout_for_buyer(current_user, reference)
    form = CancelUnpaidForm()
    if not form.validate_on_submit():
        abort(400)
    payments.cancel_unpaid(current_user, placed, form.reason.data)
    db.session.commit()
    flash(_("Your order was cancelled."), "success")
    return redirect(url_for("shop.pay", reference=reference))
