"""Reviews: once per purchased line after delivery; seller replies once; hidden ones leave the
product's average (also when staff hide them through moderation)."""

import pytest

from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.models import OrderStatus, Product
from marketplace.services.reviews import moderation, ratings


def _rating(db, product_id):
    db.session.expire_all()
    product = db.session.get(Product, product_id)
    return product.rating_sum, product.rating_count


def test_review_rules(db, order_in, make_user):
    order = order_in(OrderStatus.DELIVERED)
    line = order.lines[0]
    with pytest.raises(PermissionDenied):
        ratings.create_review(make_user(), line, 5)
    for rating in (0, 6, "lima", None, True):
        with pytest.raises(ValidationError):
            ratings.create_review(order.buyer, line, rating)
    with pytest.raises(ValidationError):
        ratings.create_review(order.buyer, line, 5, "x" * 2001)
    review = ratings.create_review(order.buyer, line, "5", "Mantap")
    db.session.commit()
    assert _rating(db, line.product_id) == (5, 1)
    with pytest.raises(Conflict):
        ratings.create_review(order.buyer, line, 4)
    db.session.rollback()
    assert _rating(db, line.product_id) == (5, 1)
    assert ratings.review_page(line.product_id).items == [review]


def test_not_before_delivery_and_not_for_others(db, order_in, make_user):
    order = order_in(OrderStatus.PROCESSING)
    with pytest.raises(Conflict):
        ratings.create_review(order.buyer, order.lines[0], 5)
    with pytest.raises(NotFound):
        ratings.line_for_buyer(make_user(), order.lines[0].id)
    assert not ratings.can_review(order.lines[0])


def test_seller_replies_once(db, order_in, make_store):
    order = order_in(OrderStatus.COMPLETED)
    review = ratings.create_review(order.buyer, order.lines[0], 3, "Agak keras")
    with pytest.raises(PermissionDenied):
        ratings.reply_to_review(make_store().owner, review, "Maaf")
    with pytest.raises(ValidationError):
        ratings.reply_to_review(order.store.owner, review, "  ")
    ratings.reply_to_review(order.store.owner, review, "Terima kasih, kami perbaiki")
    with pytest.raises(Conflict):
        ratings.reply_to_review(order.store.owner, review, "lagi")
    with pytest.raises(NotFound):
        ratings.review_for_store(make_store(), review.id)


def test_hidden_reviews_leave_the_average(db, order_in, make_user, make_product):
    first = order_in(OrderStatus.COMPLETED)
    product = first.lines[0].product
    second = order_in(OrderStatus.DELIVERED, items=[(product, 1)])
    r1 = ratings.create_review(first.buyer, first.lines[0], 5)
    ratings.create_review(second.buyer, second.lines[0], 2)
    db.session.commit()
    assert _rating(db, product.id) == (7, 2)
    staff = make_user("staff")
    moderation.hide_review(staff, r1, "Berisi nomor telepon")
    db.session.commit()
    assert _rating(db, product.id) == (2, 1)
    moderation.unhide_review(staff, r1)
    db.session.commit()
    assert _rating(db, product.id) == (7, 2)
