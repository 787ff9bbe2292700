"""The order state machine: every (from, to) pair for every kind of actor, allowed or refused."""

import itertools

import pytest
from sqlalchemy import func, select

from marketplace.errors import InvalidTransition, PermissionDenied
from marketplace.models import OrderEvent, OrderStatus, Variant
from marketplace.services.orders.orderflow import TRANSITIONS, allowed_next, transition

ACTORS = ("buyer", "vendor", "other_vendor", "staff", "system")
PAIRS = [(a, b) for a, b in itertools.product(OrderStatus, OrderStatus) if a != b]


@pytest.fixture
def cast(db, make_order, make_store, make_user):
    """One order (COD, 2 units of a 10-unit product) and one person of each kind."""
    checkout = make_order()
    order = checkout.orders[0]
    other = make_store()
    people = {"buyer": order.buyer, "vendor": order.store.owner, "other_vendor": other.owner,
              "staff": make_user("staff"), "system": None}
    return order, people


def _events(db, order) -> int:
    return db.session.scalar(select(func.count()).select_from(OrderEvent)
                             .where(OrderEvent.order_id == order.id))


@pytest.mark.parametrize("actor", ACTORS)
def test_every_transition_for_every_actor(db, cast, actor):
    order, people = cast
    person = people[actor]
    variant_id = order.lines[0].variant_id
    allowed_seen = 0
    for frm, to in PAIRS:
        order.status = frm
        db.session.flush()
        events_before = _events(db, order)
        kinds = {"other_vendor": set()}.get(actor, {actor})
        expected = bool(TRANSITIONS.get((frm, to), frozenset()) & kinds)
        if expected:
            event = transition(order, to, person, "note")
            assert order.status == to
            assert (event.from_status, event.to_status) == (frm, to)
            assert event.actor_id == getattr(person, "id", None)
            assert _events(db, order) == events_before + 1
            if to == OrderStatus.CANCELLED:
                assert db.session.get(Variant, variant_id).stock == 10  # 2 units back
            allowed_seen += 1
        else:
            error = PermissionDenied if actor == "other_vendor" else InvalidTransition
            with pytest.raises(error):
                transition(order, to, person, "note")
            assert order.status == frm, (actor, frm, to)
            assert _events(db, order) == events_before
            assert db.session.get(Variant, variant_id).stock == 8
        db.session.rollback()
    expected_count = sum(1 for who in TRANSITIONS.values() if actor in who)
    assert allowed_seen == expected_count


def test_allowed_next_matches_the_table(db, cast):
    order, people = cast
    for frm in OrderStatus:
        order.status = frm
        for actor in ACTORS:
            kinds = set() if actor == "other_vendor" else {actor}
            expected = [to for (f, to), who in TRANSITIONS.items() if f == frm and who & kinds]
            assert allowed_next(order, people[actor]) == expected
    db.session.rollback()


def test_cancel_twice_gives_stock_back_once(db, cast):
    order, people = cast
    transition(order, OrderStatus.CANCELLED, people["vendor"], "habis")
    db.session.commit()
    variant_id = order.lines[0].variant_id
    assert db.session.get(Variant, variant_id).stock == 10
    with pytest.raises(InvalidTransition):
        transition(order, OrderStatus.CANCELLED, people["staff"], "again")
    db.session.rollback()
    assert db.session.get(Variant, variant_id).stock == 10
