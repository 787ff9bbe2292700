"""Order emails: confirmation to the buyer, new-order notice to each store's owner.

Queued in the transaction (`queue_email`), so they leave only after it commits.
"""

from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.mail import page_link, queue_email
from marketplace.models import Checkout, Order, OrderStatus, PaymentMethod, User
from marketplace.money import format_rupiah
from marketplace.services.stores.storefront import pickup_address


def _send(user: User, subject, body, link: str) -> None:
    """Queue the email in the person's language, ending with the page it is about."""
    with force_locale(user.locale or "id"):
        queue_email(user.email, str(subject()), f"{body()}\n\n{link}")


def order_placed(checkout: Checkout) -> None:
    """Confirm the order to the buyer; stores whose order is already new hear about it now."""
    buyer = checkout.buyer

    def body() -> str:
        lines = [_("Thank you for ordering at Pasar Mandiri. Reference: %(ref)s.",
                   ref=checkout.reference)]
        for order in checkout.orders:
            lines.append(_("%(store)s: order %(ref)s, %(total)s", store=order.store.name,
                           ref=order.reference,
                           total=format_rupiah(order.total, buyer.locale or "id")))
            if address := pickup_address(order):
                lines.append(_("Pick up order %(ref)s at: %(address)s", ref=order.reference,
                               address=address))
        lines.append(_("Total: %(total)s", total=format_rupiah(checkout.total,
                                                               buyer.locale or "id")))
        if checkout.payment_method == PaymentMethod.BANK_TRANSFER:
            lines.append(_("Please transfer the total and upload the proof in My orders."))
        elif checkout.payment_method == PaymentMethod.COD:
            lines.append(_("Pay in cash when you receive your order (cash on delivery or at "
                           "pickup)."))
        return "\n".join(lines)

    _send(buyer, lambda: _("Your order %(ref)s at Pasar Mandiri", ref=checkout.reference), body,
          page_link("account.orders"))
    for order in checkout.orders:
        if order.status == OrderStatus.NEW:
            new_order_for_store(order)


def new_order_for_store(order: Order) -> None:
    """Tell the store's owner an order is ready to be processed (Pesanan Baru)."""
    owner = order.store.owner
    _send(owner, lambda: _("New order %(ref)s (Pesanan Baru)", ref=order.reference),
          lambda: _("You have a new order %(ref)s of %(total)s from %(buyer)s. Open it to "
                    "accept and process it:", ref=order.reference,
                    total=format_rupiah(order.total, owner.locale or "id"),
                    buyer=order.checkout.recipient),
          page_link("vendor.order_detail", reference=order.reference))


def payment_received(checkout: Checkout) -> None:
    """Tell the buyer the payment came in and the stores are preparing the order."""
    buyer = checkout.buyer
    _send(buyer, lambda: _("Payment received for %(ref)s", ref=checkout.reference),
          lambda: _("We received %(total)s for %(ref)s. The sellers will now prepare your "
                    "order.", total=format_rupiah(checkout.total, buyer.locale or "id"),
                    ref=checkout.reference),
          page_link("account.orders"))


def transfer_rejected(checkout: Checkout, note: str) -> None:
    """Tell the buyer their proof of transfer was not accepted, and why."""
    _send(checkout.buyer, lambda: _("Proof of transfer for %(ref)s not accepted",
                                    ref=checkout.reference),
          lambda: _("We could not confirm your transfer for %(ref)s: %(note)s. Please upload "
                    "a new proof in My orders.", ref=checkout.reference, note=note),
          page_link("shop.pay", reference=checkout.reference))


def checkout_cancelled(checkout: Checkout, reason: str) -> None:
    """Tell the buyer an unpaid checkout was cancelled (expired or by them)."""
    _send(checkout.buyer, lambda: _("Order %(ref)s was cancelled", ref=checkout.reference),
          lambda: _("Order %(ref)s was cancelled: %(reason)s. Reserved items went back on "
                    "sale.", ref=checkout.reference, reason=reason),
          page_link("account.orders"))
