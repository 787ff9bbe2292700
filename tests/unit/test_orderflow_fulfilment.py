"""Fulfilment services: what the seller, the buyer, staff and cron do to an order, and the money."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.clock import utcnow
from marketplace.errors import (
    Conflict,
    InvalidTransition,
    PaymentError,
    PermissionDenied,
    ValidationError,
)
from marketplace.models import (
    LedgerEntry,
    OrderStatus,
    OutboxMessage,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundRequestStatus,
    ShippingMethod,
    Variant,
)
from marketplace.services.orders import fulfilment
from marketplace.services.payouts import ledger

S = OrderStatus


def _outbox(db) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.subject).order_by(OutboxMessage.id)))


def test_accept_ship_with_resi_deliver_confirm(db, order_in):
    order = order_in(S.PROCESSING, shipping=ShippingMethod.COURIER)
    owner, buyer = order.store.owner, order.buyer
    fulfilment.ship_order(owner, order, "JNE", " jne 0012 3456 78 ")
    db.session.commit()
    assert (order.status, order.courier, order.tracking_number) == (S.SHIPPED, "JNE",
                                                                    "JNE0012345678")
    assert order.shipped_at is not None
    assert order.events[-1].note == "JNE JNE0012345678"
    fulfilment.mark_delivered(owner, order)
    fulfilment.confirm_receipt(buyer, order)
    db.session.commit()
    assert order.status == S.COMPLETED and order.completed_at is not None
    subjects = _outbox(db)
    assert any("dikirim" in s or "shipped" in s for s in subjects)
    assert [e.to_status for e in order.events][-3:] == [S.SHIPPED, S.DELIVERED, S.COMPLETED]


@pytest.mark.parametrize(("courier", "resi", "field"), [
    ("JNE", "<script>alert(1)</script>", "tracking_number"),
    ("JNE", "", "tracking_number"),
    ("JNE", "AB1", "tracking_number"),
    ("Kurir Palsu", "JNE0012345678", "courier"),
])
def test_bad_shipment_changes_nothing(db, order_in, courier, resi, field):
    order = order_in(S.PROCESSING, shipping=ShippingMethod.COURIER)
    with pytest.raises(ValidationError) as caught:
        fulfilment.ship_order(order.store.owner, order, courier, resi)
    assert field in caught.value.errors
    db.session.rollback()
    db.session.refresh(order)
    assert (order.status, order.tracking_number) == (S.PROCESSING, None)


def test_ship_before_accept_and_cancel_after_delivery_are_refused(db, order_in, paid_order):
    new = order_in(S.NEW, shipping=ShippingMethod.COURIER)
    with pytest.raises(InvalidTransition):
        fulfilment.ship_order(new.store.owner, new, "JNE", "JNE0012345678")
    db.session.rollback()
    delivered = order_in(S.DELIVERED)
    with pytest.raises(InvalidTransition):
        fulfilment.cancel_order(delivered.store.owner, delivered, "terlambat")
    db.session.rollback()
    db.session.refresh(new)
    db.session.refresh(delivered)
    assert (new.status, new.tracking_number, delivered.status) == (S.NEW, None, S.DELIVERED)
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0


def test_pickup_handover_and_self_delivery(db, order_in):
    pickup = order_in(S.PROCESSING, shipping=ShippingMethod.PICKUP)
    with pytest.raises(InvalidTransition):
        fulfilment.ship_order(pickup.store.owner, pickup)
    db.session.rollback()
    fulfilment.hand_over(pickup.store.owner, pickup)
    assert pickup.status == S.DELIVERED
    own = order_in(S.PROCESSING, shipping=ShippingMethod.SELF_DELIVERY)
    fulfilment.ship_order(own.store.owner, own)
    assert own.status == S.SHIPPED and own.tracking_number is None
    courier = order_in(S.PROCESSING, shipping=ShippingMethod.COURIER)
    with pytest.raises(InvalidTransition):
        fulfilment.hand_over(courier.store.owner, courier)


def test_vendor_cancels_paid_transfer_order_manual_refund_and_stock_back(db, order_in):
    order = order_in(S.PROCESSING)
    variant_id = order.lines[0].variant_id
    assert ledger.balance(order.store) == order.total
    fulfilment.cancel_order(order.store.owner, order, "Bahan baku habis")
    db.session.commit()
    assert order.status == S.CANCELLED and order.cancel_reason == "Bahan baku habis"
    assert order.refunded_amount == order.total
    assert order.payment_status == PaymentStatus.REFUNDED
    refund = db.session.scalar(select(Refund))
    assert (refund.amount, refund.provider_ref) == (order.total, None)  # manual transfer
    assert ledger.balance(order.store) == 0
    assert db.session.get(Variant, variant_id).stock == 10
    assert any("Pengembalian dana" in s or "Refund" in s for s in _outbox(db))


def test_cancel_unpaid_cod_order_refunds_nothing(db, make_order):
    order = make_order().orders[0]
    fulfilment.cancel_order(order.buyer, order, "Salah pesan")
    db.session.commit()
    assert order.status == S.CANCELLED and order.refunded_amount == 0
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_cancel_needs_a_reason(db, order_in):
    order = order_in(S.NEW)
    with pytest.raises(ValidationError):
        fulfilment.cancel_order(order.store.owner, order, "   ")
    db.session.rollback()
    assert db.session.get(type(order), order.id).status == S.NEW


def test_card_refund_failure_changes_nothing(db, order_in, app):
    order = order_in(S.NEW, method=PaymentMethod.BANK_TRANSFER)
    order.payment_method = PaymentMethod.STRIPE  # a card order while Stripe is not configured
    db.session.commit()
    with pytest.raises(PaymentError):
        fulfilment.cancel_order(order.store.owner, order, "habis")
    db.session.rollback()
    db.session.refresh(order)
    assert (order.status, order.refunded_amount) == (S.NEW, 0)
    assert ledger.balance(order.store) == order.total


def test_buyer_cancels_only_before_processing(db, order_in):
    order = order_in(S.PROCESSING)
    with pytest.raises(InvalidTransition):
        fulfilment.cancel_order(order.buyer, order, "berubah pikiran")
    db.session.rollback()
    new = order_in(S.NEW)
    fulfilment.cancel_order(new.buyer, new, "berubah pikiran")
    assert new.status == S.CANCELLED and new.refunded_amount == new.total


def test_other_vendor_and_stranger_are_refused(db, order_in, make_store, make_user):
    order = order_in(S.NEW)
    other = make_store().owner
    for person in (other, make_user()):
        with pytest.raises(PermissionDenied):
            fulfilment.accept_order(person, order)
        with pytest.raises(PermissionDenied):
            fulfilment.confirm_receipt(person, order)
        db.session.rollback()
    assert db.session.get(type(order), order.id).status == S.NEW


def test_auto_complete_after_n_days_skips_open_refund_requests(db, order_in):
    old, disputed, recent = order_in(S.DELIVERED), order_in(S.DELIVERED), order_in(S.DELIVERED)
    for order in (old, disputed):
        order.delivered_at = utcnow() - timedelta(days=4)
    fulfilment.request_refund(disputed.buyer, disputed, "Barang rusak")
    db.session.commit()
    assert fulfilment.auto_complete(days=3) == 1
    db.session.commit()
    assert (old.status, disputed.status, recent.status) == (S.COMPLETED, S.DELIVERED,
                                                            S.DELIVERED)
    assert old.events[-1].actor_id is None
    assert fulfilment.auto_complete(days=3) == 0


def test_refund_request_accepted_by_vendor_partial(db, order_in):
    order = order_in(S.DELIVERED)
    request = fulfilment.request_refund(order.buyer, order, "Satu bungkus rusak", 10000)
    db.session.commit()
    fulfilment.decide_refund_request(order.store.owner, request, True, "Maaf")
    db.session.commit()
    assert request.status == RefundRequestStatus.ACCEPTED
    assert order.refunded_amount == 10000
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert ledger.balance(order.store) == order.total - 10000
    with pytest.raises(Conflict):
        fulfilment.decide_refund_request(order.store.owner, request, False, "berubah")


def test_refund_request_full_on_processing_cancels_the_order(db, order_in):
    order = order_in(S.PROCESSING)
    request = fulfilment.request_refund(order.buyer, order, "Terlalu lama")
    fulfilment.decide_refund_request(order.store.owner, request, True)
    db.session.commit()
    assert order.status == S.CANCELLED and order.refunded_amount == order.total


def test_rejected_refund_disputed_and_decided_by_staff(db, order_in, make_user):
    order = order_in(S.SHIPPED)
    request = fulfilment.request_refund(order.buyer, order, "Barang tidak sesuai")
    with pytest.raises(ValidationError):
        fulfilment.decide_refund_request(order.store.owner, request, False, "")
    fulfilment.decide_refund_request(order.store.owner, request, False, "Sudah sesuai foto")
    with pytest.raises(PermissionDenied):
        fulfilment.dispute_refund_request(make_user(), request, "saya juga")
    fulfilment.dispute_refund_request(order.buyer, request, "Warnanya beda")
    staff = make_user("staff")
    assert fulfilment.disputes(staff) == [request]
    with pytest.raises(Conflict):  # the seller cannot overrule a dispute
        fulfilment.decide_refund_request(order.store.owner, request, True)
    fulfilment.decide_refund_request(staff, request, True, "Foto buyer menunjukkan warna beda")
    db.session.commit()
    assert request.status == RefundRequestStatus.ACCEPTED and request.decided_by_id == staff.id
    assert order.refunded_amount == order.total
    assert fulfilment.disputes(staff) == []


@pytest.mark.parametrize("amount", [0, -5, 10**9, True])
def test_refund_request_bad_amounts(db, order_in, amount):
    order = order_in(S.DELIVERED)
    with pytest.raises(ValidationError):
        fulfilment.request_refund(order.buyer, order, "rusak", amount)


def test_refund_request_refused_when_unpaid_complete_or_twice(db, order_in, make_order):
    cod = make_order().orders[0]
    fulfilment.accept_order(cod.store.owner, cod)
    with pytest.raises(Conflict):
        fulfilment.request_refund(cod.buyer, cod, "rusak")
    done = order_in(S.COMPLETED)
    with pytest.raises(Conflict):
        fulfilment.request_refund(done.buyer, done, "rusak")
    open_one = order_in(S.DELIVERED)
    fulfilment.request_refund(open_one.buyer, open_one, "rusak", 1000)
    with pytest.raises(Conflict):
        fulfilment.request_refund(open_one.buyer, open_one, "rusak lagi", 1000)


def test_emails_leave_only_after_commit(db, order_in, smtp_server):
    order = order_in(S.NEW)
    before = len(smtp_server.messages)  # the payment's own notices
    fulfilment.accept_order(order.store.owner, order)
    db.session.rollback()
    assert len(smtp_server.messages) == before
    fulfilment.accept_order(order.store.owner, order)
    db.session.commit()
    (message,) = smtp_server.messages[before:]
    assert message["To"] == order.buyer.email and order.reference in message["Subject"]


def test_deadlines_and_late_orders(db, order_in):
    order = order_in(S.NEW)
    start = order.paid_at
    assert fulfilment.respond_by(order) == start + timedelta(hours=24)
    assert not fulfilment.is_late(order, start + timedelta(hours=23))
    assert fulfilment.is_late(order, start + timedelta(hours=25))
    fulfilment.accept_order(order.store.owner, order)
    assert fulfilment.ship_by(order) == order.accepted_at + timedelta(hours=48)
    assert fulfilment.is_late(order, order.accepted_at + timedelta(hours=49))
