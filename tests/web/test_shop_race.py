"""Many buyers race through the real HTTP checkout for the last units of one variant."""

import threading
import time

from sqlalchemy import func, select

from marketplace.models import Order, OrderLine, Variant
from marketplace.services.orders.cart import add_to_cart, cart_for_user
from tests.fixtures.orders import ADDRESS

BUYERS = 60
UNITS = 7


def test_sixty_buyers_race_for_seven_units(app, db, db_kind, make_user, make_product):
    product = make_product(stock=UNITS, price=15000)
    variant_id, store_id = product.variants[0].id, product.store_id
    buyers = [make_user() for _ in range(BUYERS)]
    for buyer in buyers:
        add_to_cart(cart_for_user(buyer), variant_id, 1)
    db.session.commit()
    ids = [b.id for b in buyers]
    db.session.remove()
    form = {**ADDRESS, "method": "cod", "action": "place", f"shipping-{store_id}": "pickup",
            "expected_subtotal": "15000"}
    outcomes: list[tuple[int, str]] = []
    start = threading.Barrier(BUYERS)

    def buy(user_id: int) -> None:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = f"{user_id}:0"  # a new account: session version 0
            session["_fresh"] = True
        start.wait()
        response = client.post("/checkout", data=form)
        outcomes.append((response.status_code, response.get_data(as_text=True)))

    began = time.perf_counter()
    threads = [threading.Thread(target=buy, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    elapsed = time.perf_counter() - began

    codes = [code for code, _ in outcomes]
    sold = db.session.scalar(select(func.coalesce(func.sum(OrderLine.quantity), 0)))
    stock = db.session.get(Variant, variant_id).stock
    print(f"\nrace[{db_kind}]: units={UNITS} buyers={BUYERS} sold={sold} "
          f"orders={db.session.scalar(select(func.count(Order.id)))} stock_left={stock} "
          f"time={elapsed:.2f}s")
    assert len(outcomes) == BUYERS
    assert 500 not in codes
    assert codes.count(302) == UNITS and sold == UNITS and stock == 0
    losers = [body for code, body in outcomes if code != 302]
    assert all(code == 409 for code in codes if code != 302)
    assert all("stok habis" in body.lower() for body in losers)
