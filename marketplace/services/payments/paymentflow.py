"""The payment state machine: one table of the moves a payment status may make, one mover.

It governs both a checkout's `Payment.status` and each order's `Order.payment_status` (the
same states: cash on delivery is paid per order). Every move is one conditional UPDATE that
only matches while the status is still the one read, so of two racing moves exactly one wins.
"""

from flask_babel import gettext as _
from sqlalchemy import update

from marketplace.errors import InvalidTransition
from marketplace.extensions import db
from marketplace.models import Order, Payment, PaymentStatus

P = PaymentStatus

#: (from, to) -> when it happens. Every other pair is refused.
TRANSITIONS: dict[tuple[PaymentStatus, PaymentStatus], str] = {
    (P.PENDING, P.PAID): "the money came in: card, confirmed transfer, cash at delivery",
    (P.PENDING, P.FAILED): "cancelled or expired before any money came in",
    (P.PAID, P.PARTIALLY_REFUNDED): "part of the money given back",
    (P.PAID, P.REFUNDED): "all of the money given back",
    (P.PARTIALLY_REFUNDED, P.PARTIALLY_REFUNDED): "another part given back",
    (P.PARTIALLY_REFUNDED, P.REFUNDED): "the rest given back",
}


def _column(row: Payment | Order):
    return Payment.status if isinstance(row, Payment) else Order.payment_status


def move(row: Payment | Order, to: PaymentStatus, **values) -> None:
    """Move a payment (or an order's payment status) by one allowed step, with `values` set too.

    :raises InvalidTransition: the step is not in the table, or another action moved the
        payment a moment ago (nothing is changed).
    """
    column = _column(row)
    current = getattr(row, column.key)
    if (current, to) not in TRANSITIONS:
        raise InvalidTransition(_("This payment cannot change that way now. Reload the page "
                                  "to see its current status."))
    model = type(row)
    result = db.session.execute(
        update(model).where(model.id == row.id, column == current)
        .values({column.key: to, **values}).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidTransition(_("This payment was changed by someone else a moment ago. "
                                  "Reload the page to see its current status."))
    db.session.refresh(row)
