"""Payments without Stripe: expiry, buyer cancel, COD cash, transfer review, emails after commit."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.clock import utcnow
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.models import (
    AuditEvent,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    OutboxMessage,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ShippingMethod,
    Variant,
)
from marketplace.services.orders import fulfilment
from marketplace.services.payments import methods


def _stock(db, product):
    db.session.expire_all()
    return db.session.get(Variant, product.variants[0].id).stock


def test_crash_between_reserve_and_payment_is_undone_by_expiry(app, db, make_order,
                                                               make_product):
    product = make_product(stock=5)
    checkout = make_order(items=[(product, 3)], method=PaymentMethod.BANK_TRANSFER)
    assert _stock(db, product) == 2  # reserved; the buyer's phone died before paying
    with app.test_request_context():
        assert methods.expire_unpaid() == 0  # still inside the window
        assert methods.expire_unpaid(now=utcnow() + timedelta(hours=25)) == 1
        db.session.commit()
        assert methods.expire_unpaid(now=utcnow() + timedelta(hours=50)) == 0
        db.session.commit()
    assert _stock(db, product) == 5
    order = checkout.orders[0]
    assert order.status == OrderStatus.CANCELLED
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.FAILED


def test_expire_unpaid_cli_leaves_cod_and_paid_orders_alone(app, db, make_order, make_product):
    unpaid = make_order(method=PaymentMethod.BANK_TRANSFER)
    cod = make_order(method=PaymentMethod.COD)
    for checkout in (unpaid, cod):
        for order in checkout.orders:
            order.created_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["orders", "expire-unpaid"])
    assert result.exit_code == 0, result.output
    assert "Cancelled 1 unpaid order(s)." in result.output
    db.session.expire_all()
    assert unpaid.orders[0].status == OrderStatus.CANCELLED
    assert cod.orders[0].status == OrderStatus.NEW


def test_cancel_and_expiry_race_give_stock_back_once(app, db, make_order, make_product):
    product = make_product(stock=4)
    checkout = make_order(items=[(product, 4)], method=PaymentMethod.BANK_TRANSFER)
    with app.test_request_context():
        methods.cancel_unpaid(checkout.buyer, checkout, "")
        db.session.commit()
        assert methods.expire_unpaid(now=utcnow() + timedelta(days=3)) == 0
        with pytest.raises(Conflict):
            methods.cancel_unpaid(checkout.buyer, checkout, "")
    assert _stock(db, product) == 4


def test_only_the_buyer_cancels(app, db, make_order, make_user):
    checkout = make_order(method=PaymentMethod.BANK_TRANSFER)
    with app.test_request_context(), pytest.raises(NotFound):
        methods.cancel_unpaid(make_user(), checkout, "")
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT


def test_cod_cash_is_recorded_by_the_seller_once(app, db, make_order, make_user):
    checkout = make_order(method=PaymentMethod.COD)
    order = checkout.orders[0]
    owner = order.store.owner
    with app.test_request_context():
        with pytest.raises(Conflict):
            methods.record_cash_received(owner, order)  # not handed over yet
        fulfilment.accept_order(owner, order)
        fulfilment.hand_over(owner, order)
        with pytest.raises(NotFound):
            methods.record_cash_received(make_user("vendor"), order)
        methods.record_cash_received(owner, order)
        db.session.commit()
        with pytest.raises(Conflict):
            methods.record_cash_received(owner, order)
    assert order.payment_status == PaymentStatus.PAID
    sales = db.session.scalars(select(LedgerEntry.amount).where(
        LedgerEntry.kind == LedgerKind.SALE)).all()
    assert sales == [order.total]
    assert db.session.scalar(select(Payment.status)) == PaymentStatus.PAID
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "payment.cash_received")) is not None


def test_transfer_review_is_staff_only_and_audited(app, db, make_order, make_user, staff):
    checkout = make_order(method=PaymentMethod.BANK_TRANSFER)
    payment = db.session.scalar(select(Payment))
    with app.test_request_context():
        with pytest.raises(PermissionDenied):
            methods.confirm_transfer(checkout.buyer, payment)
        with pytest.raises(ValidationError):
            methods.reject_transfer(staff, payment, "  ")
        methods.confirm_transfer(staff, payment, "BRI mutasi 27/11")
        db.session.commit()
        with pytest.raises(Conflict):
            methods.confirm_transfer(staff, payment)
    assert checkout.orders[0].status == OrderStatus.NEW
    event = checkout.orders[0].events[-1]
    assert event.actor_id == staff.id and event.from_status == OrderStatus.AWAITING_PAYMENT
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "payment.paid", AuditEvent.actor_id == staff.id)) == 1


def test_proof_must_be_an_image_of_the_buyers_own_transfer(app, db, make_order, make_user):
    checkout = make_order(method=PaymentMethod.BANK_TRANSFER)
    with app.test_request_context():
        with pytest.raises(ValidationError):
            methods.upload_transfer_proof(checkout.buyer, checkout, b"%PDF-1.4 not a photo")
        with pytest.raises(NotFound):
            methods.upload_transfer_proof(make_user(), checkout, b"x")
    db.session.rollback()
    assert db.session.scalar(select(Payment.proof_image_id)) is None


def test_emails_leave_only_after_commit(app, db, make_user, make_product, smtp_server):
    from marketplace.services.orders.cart import add_to_cart, cart_for_user
    from marketplace.services.orders.checkout import place_order
    from tests.fixtures.orders import ADDRESS

    buyer, product = make_user(), make_product()
    cart = cart_for_user(buyer)
    add_to_cart(cart, product.variants[0].id, 1)
    db.session.commit()
    smtp_server.messages.clear()  # the owner's "store verified" email
    outbox_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    with app.test_request_context():
        place_order(buyer, cart, dict(ADDRESS), PaymentMethod.COD,
                    {product.store_id: ShippingMethod.PICKUP})
        db.session.rollback()
    assert smtp_server.messages == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox_before
    with app.test_request_context():
        place_order(buyer, cart, dict(ADDRESS), PaymentMethod.COD,
                    {product.store_id: ShippingMethod.PICKUP})
        db.session.commit()
    to = sorted(m["To"] for m in smtp_server.messages)
    assert to == sorted([buyer.email, product.store.owner.email])
    subjects = " ".join(m["Subject"] for m in smtp_server.messages)
    assert "Pesanan Baru" in subjects
