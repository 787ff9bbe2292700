"""Account area: the buyer's orders, one order with its timeline, and a printable invoice."""

from flask import render_template
from flask_login import current_user, login_required

from blueprints.account import bp
from marketplace.services import payments
from marketplace.services.orders import order_for_buyer
from marketplace.services.stores import pickup_address


@bp.route("/orders")
@login_required
def orders():
    """The buyer's orders, newest first."""
    return render_template("account/orders.html", orders=payments.buyer_orders(current_user))


@bp.route("/orders/<reference>")
@login_required
def order_detail(reference: str):
    """One order: lines, shipping, payment, the status timeline and what the buyer can do."""
    order = order_for_buyer(current_user, reference)
    return render_template("account/orders_detail.html", order=order,
                           payment=payments.payment_for(order.checkout),
                           pickup_address=pickup_address(order))


@bp.route("/orders/<reference>/invoice")
@login_required
def order_invoice(reference: str):
    """A printable invoice of one order."""
    order = order_for_buyer(current_user, reference)
    return render_template("account/orders_invoice.html", order=order,
                           payment=payments.payment_for(order.checkout))
