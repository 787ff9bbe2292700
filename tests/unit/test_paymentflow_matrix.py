"""The payment state machine: every (from, to) pair, on a checkout's payment and an order's."""

import itertools

import pytest
from sqlalchemy import select, update

from marketplace.errors import InvalidTransition
from marketplace.models import Order, Payment, PaymentMethod, PaymentStatus
from marketplace.services.payments import paymentflow
from marketplace.services.payments.paymentflow import TRANSITIONS

PAIRS = list(itertools.product(PaymentStatus, PaymentStatus))


@pytest.fixture
def rows(db, make_order):
    checkout = make_order(method=PaymentMethod.BANK_TRANSFER)
    payment = db.session.scalar(select(Payment).where(Payment.checkout_id == checkout.id))
    return {"payment": payment, "order": checkout.orders[0]}


def _stored(db, row):
    db.session.expire_all()
    if isinstance(row, Payment):
        return db.session.scalar(select(Payment.status).where(Payment.id == row.id))
    return db.session.scalar(select(Order.payment_status).where(Order.id == row.id))


@pytest.mark.parametrize("which", ["payment", "order"])
def test_every_pair_moves_only_as_the_table_says(db, rows, which):
    row = rows[which]
    column = "status" if which == "payment" else "payment_status"
    allowed_seen = 0
    for frm, to in PAIRS:
        setattr(row, column, frm)
        db.session.flush()
        if (frm, to) in TRANSITIONS:
            paymentflow.move(row, to)
            assert getattr(row, column) == to and _stored(db, row) == to
            allowed_seen += 1
        else:
            with pytest.raises(InvalidTransition):
                paymentflow.move(row, to)
            assert _stored(db, row) == frm, (frm, to)
        db.session.rollback()
    assert allowed_seen == len(TRANSITIONS)


def test_a_move_based_on_a_stale_read_changes_nothing(db, rows):
    payment = rows["payment"]
    assert payment.status == PaymentStatus.PENDING
    # Another request cancelled the payment after this one read it.
    db.session.execute(update(Payment).where(Payment.id == payment.id)
                       .values(status=PaymentStatus.FAILED)
                       .execution_options(synchronize_session=False))
    with pytest.raises(InvalidTransition):
        paymentflow.move(payment, PaymentStatus.PAID)
    assert _stored(db, payment) == PaymentStatus.FAILED

