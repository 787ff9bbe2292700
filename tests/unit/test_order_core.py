"""Placing orders: one per store, snapshots, stock reserved all-or-nothing, given back once."""

import threading

import pytest
from sqlalchemy import select

from marketplace.database import write_intent
from marketplace.errors import Conflict, InvalidTransition, OutOfStock, ValidationError
from marketplace.extensions import db as _db
from marketplace.models import (
    Order,
    OrderStatus,
    PaymentMethod,
    ShippingMethod,
    Variant,
)
from marketplace.services.orders.cart import add_to_cart, cart_for_user
from marketplace.services.orders.checkout import place_order
from marketplace.services.orders.orderflow import TRANSITIONS, allowed_next, transition
from tests.fixtures.orders import ADDRESS


def test_one_order_per_store_with_snapshots(db, make_order, make_product, make_store):
    store_a, store_b = make_store(), make_store()
    pa = make_product(store=store_a, price=12000, stock=5)
    pb = make_product(store=store_b, price=30000, stock=5)
    checkout = make_order(items=[(pa, 2), (pb, 1)])
    assert [o.store_id for o in checkout.orders] == sorted([store_a.id, store_b.id])
    assert checkout.total == 2 * 12000 + 30000
    assert all(o.status == OrderStatus.NEW for o in checkout.orders)  # COD starts new
    line = checkout.orders[0].lines[0]
    assert (line.title, line.unit_price, line.store_name) == (pa.title, 12000, store_a.name)
    db.session.refresh(pa.variants[0])
    assert pa.variants[0].stock == 3
    assert pa.stock_total == 3 and pa.sold_count == 2


def test_prices_come_from_the_database(db, make_order, make_product):
    product = make_product(price=12000)
    checkout = make_order(items=[(product, 1)], method=PaymentMethod.BANK_TRANSFER)
    assert checkout.total == 12000
    assert checkout.orders[0].status == OrderStatus.AWAITING_PAYMENT


def test_all_or_nothing_when_one_line_is_out_of_stock(db, make_user, make_product, app):
    buyer = make_user()
    plenty, scarce = make_product(stock=10), make_product(stock=1)
    cart = cart_for_user(buyer)
    add_to_cart(cart, plenty.variants[0].id, 3)
    add_to_cart(cart, scarce.variants[0].id, 1)
    db.session.commit()
    scarce.variants[0].stock = 0
    db.session.commit()
    with app.test_request_context(), pytest.raises(OutOfStock):
        place_order(buyer, cart, dict(ADDRESS), PaymentMethod.COD,
                    {plenty.store_id: ShippingMethod.PICKUP,
                     scarce.store_id: ShippingMethod.PICKUP})
    db.session.rollback()
    assert db.session.get(Variant, plenty.variants[0].id).stock == 10
    assert db.session.scalar(select(Order.id)) is None


def test_changed_total_is_not_placed(db, make_user, make_product, app):
    buyer, product = make_user(), make_product(price=10000)
    cart = cart_for_user(buyer)
    add_to_cart(cart, product.variants[0].id, 1)
    with app.test_request_context(), pytest.raises(Conflict):
        place_order(buyer, cart, dict(ADDRESS), PaymentMethod.COD,
                    {product.store_id: ShippingMethod.PICKUP}, expected_total=9000)


def test_bad_address_lists_every_problem(db, make_user, make_product, app):
    buyer, product = make_user(), make_product()
    cart = cart_for_user(buyer)
    add_to_cart(cart, product.variants[0].id, 1)
    bad = {**ADDRESS, "postal_code": "12", "province_code": "99", "street": ""}
    with app.test_request_context(), pytest.raises(ValidationError) as caught:
        place_order(buyer, cart, bad, PaymentMethod.COD,
                    {product.store_id: ShippingMethod.PICKUP})
    assert set(caught.value.errors) == {"postal_code", "province_code", "street"}


def test_cancel_gives_stock_back_exactly_once(db, make_order, make_product):
    product = make_product(stock=5)
    checkout = make_order(items=[(product, 2)], method=PaymentMethod.BANK_TRANSFER)
    order = checkout.orders[0]
    transition(order, OrderStatus.CANCELLED, None, "expired")
    db.session.commit()
    from marketplace.services.catalog.inventory import release_stock

    assert release_stock(order) is False
    db.session.commit()
    assert db.session.get(Variant, product.variants[0].id).stock == 5


def test_transition_table_is_enforced(db, make_order, make_user):
    checkout = make_order()
    order = checkout.orders[0]
    stranger = make_user()
    with pytest.raises(Exception) as denied:
        transition(order, OrderStatus.PROCESSING, stranger)
    assert denied.type.__name__ == "PermissionDenied"
    with pytest.raises(InvalidTransition):
        transition(order, OrderStatus.SHIPPED, order.store.owner)  # ship before accept
    assert allowed_next(order, order.store.owner) == [OrderStatus.PROCESSING,
                                                      OrderStatus.CANCELLED]
    assert (OrderStatus.COMPLETED, OrderStatus.CANCELLED) not in TRANSITIONS


def test_racing_buyers_never_oversell(app, db, make_user, make_product):
    product = make_product(stock=5)
    buyers = [make_user() for _ in range(20)]
    for buyer in buyers:
        add_to_cart(cart_for_user(buyer), product.variants[0].id, 1)
    db.session.commit()
    buyer_ids = [b.id for b in buyers]
    results: list[str] = []

    def buy(buyer_id):
        with app.app_context(), write_intent():
            from marketplace.models import Cart, User

            buyer = _db.session.get(User, buyer_id)
            cart = _db.session.scalar(select(Cart).where(Cart.user_id == buyer_id))
            try:
                place_order(buyer, cart, dict(ADDRESS), PaymentMethod.COD,
                            {product.store_id: ShippingMethod.PICKUP})
                _db.session.commit()
                results.append("sold")
            except OutOfStock:
                _db.session.rollback()
                results.append("stok habis")
            finally:
                _db.session.remove()

    with app.test_request_context():
        threads = [threading.Thread(target=buy, args=(i,)) for i in buyer_ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results.count("sold") == 5 and results.count("stok habis") == 15
    db.session.rollback()  # end this test's own read snapshot before looking again
    assert db.session.get(Variant, product.variants[0].id).stock == 0
