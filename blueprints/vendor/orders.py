"""Vendor order desk: tabs by status, order page with its actions, packing slip, ledger, reviews."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.common import paginate, submit
from blueprints.vendor import bp
from blueprints.vendor.acting import store_required
from blueprints.vendor.order_forms import (
    ActionForm,
    CancelForm,
    DecisionForm,
    ReplyForm,
    ShipForm,
)
from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.services import orders, payments, payouts, reviews
from marketplace.services.orders import allowed_next


def _checked(form) -> None:
    if not form.validate_on_submit():
        abort(400)


def _back(order):
    return redirect(url_for("vendor.order_detail", reference=order.reference))


@bp.context_processor
def order_desk_helpers() -> dict:
    """The order desk's deadline rules, asked by its templates (never restated there)."""
    return {"order_deadline": orders.deadline, "order_is_late": orders.is_late}


@bp.get("/orders", endpoint="orders")
@store_required
def order_list(store):
    """The order desk: one tab per status, with counts and deadlines."""
    tab = request.args.get("tab", "new")
    page = paginate(orders.desk_query(store, tab), per_page=20)
    return render_template("vendor/orders.html", tab=tab, tabs=orders.TABS, page=page,
                           counts=orders.tab_counts(store), now=utcnow())


def _render_detail(order, status: int = 200, **forms):
    forms.setdefault("ship_form", ShipForm())
    forms.setdefault("cancel_form", CancelForm())
    forms.setdefault("decision_form", DecisionForm())
    return render_template(
        "vendor/orders_detail.html", order=order, now=utcnow(), cash_due=payments.cash_due(order),
        next_steps=allowed_next(order, current_user), action_form=ActionForm(),
        requests=orders.refund_requests(order),
        payment=order.checkout, **forms), status


@bp.get("/orders/<reference>")
@store_required
def order_detail(store, reference: str):
    """One order: what to pack, where it goes, its timeline and the next steps."""
    return _render_detail(orders.order_for_vendor(current_user, reference))


@bp.post("/orders/<reference>/accept")
@store_required
def order_accept(store, reference: str):
    """Accept a new order (Diproses)."""
    order = orders.order_for_vendor(current_user, reference)
    _checked(ActionForm())
    orders.accept_order(current_user, order)
    db.session.commit()
    flash(_("Order accepted. Ship it within 2x24 hours."), "success")
    return _back(order)


@bp.post("/orders/<reference>/ship")
@store_required
def order_ship(store, reference: str):
    """Ship with a courier and resi, or set off to deliver it yourself."""
    order = orders.order_for_vendor(current_user, reference)
    form = ShipForm()
    _checked(form)
    return submit(form, lambda: orders.ship_order(current_user, order, form.courier.data,
                                                  form.tracking_number.data),
                  done=_("Order marked as shipped. The buyer has been told."),
                  next_url=lambda _order: _back(order),
                  page=lambda status: _render_detail(order, status, ship_form=form))


@bp.post("/orders/<reference>/handover")
@store_required
def order_handover(store, reference: str):
    """Picked up by the buyer, or delivered by the seller in person."""
    order = orders.order_for_vendor(current_user, reference)
    _checked(ActionForm())
    orders.hand_over(current_user, order)
    db.session.commit()
    flash(_("The buyer has the order. They are asked to confirm it."), "success")
    return _back(order)


@bp.post("/orders/<reference>/deliver")
@store_required
def order_deliver(store, reference: str):
    """The courier delivered the parcel."""
    order = orders.order_for_vendor(current_user, reference)
    _checked(ActionForm())
    orders.mark_delivered(current_user, order)
    db.session.commit()
    flash(_("Order marked as delivered."), "success")
    return _back(order)


@bp.post("/orders/<reference>/cash-received")
@store_required
def order_cash_received(store, reference: str):
    """COD: the seller collected the cash, so the sale is credited to the store's balance."""
    order = orders.order_for_vendor(current_user, reference)
    _checked(ActionForm())
    payments.record_cash_received(current_user, order)
    db.session.commit()
    flash(_("Cash recorded. The sale is added to your balance."), "success")
    return _back(order)


@bp.post("/orders/<reference>/cancel")
@store_required
def order_cancel(store, reference: str):
    """Cancel with a reason: stock back, money back when paid."""
    order = orders.order_for_vendor(current_user, reference)
    form = CancelForm()
    if not form.validate_on_submit():
        return _render_detail(order, 422, cancel_form=form)
    orders.cancel_order(current_user, order, form.reason.data)
    db.session.commit()
    flash(_("Order cancelled. The stock is back on sale."), "success")
    return _back(order)


@bp.post("/orders/<reference>/refund-requests/<int:request_id>")
@store_required
def order_refund_decision(store, reference: str, request_id: int):
    """Accept (money back) or reject a buyer's refund request."""
    order = orders.order_for_vendor(current_user, reference)
    refund_request = orders.request_for_order(order, request_id)
    form = DecisionForm()
    return submit(form, lambda: orders.decide_refund_request(
                      current_user, refund_request, form.decision.data == "accept",
                      form.note.data),
                  done=_("Your decision was saved and the buyer has been told."),
                  next_url=lambda _request: _back(order),
                  page=lambda status: _render_detail(order, status, decision_form=form))


@bp.get("/orders/<reference>/slip")
@store_required
def order_slip(store, reference: str):
    """A printable packing slip: address label and what goes in the parcel."""
    order = orders.order_for_vendor(current_user, reference)
    return render_template("vendor/orders_slip.html", order=order, address=order.checkout)


@bp.get("/ledger")
@store_required
def ledger_page(store):
    """Balance and ledger entries: what the store earned and what was paid out."""
    page = paginate(payouts.entries_query(store), per_page=30)
    return render_template("vendor/orders_ledger.html", page=page,
                           balance=payouts.balance(store),
                           totals=payouts.totals_by_kind(store))


@bp.get("/reviews")
@store_required
def store_reviews(store):
    """Reviews of the store's products (?unanswered=1: those without a reply), with a reply
    form where none was given yet."""
    unanswered = request.args.get("unanswered") == "1"
    page = paginate(reviews.store_reviews_query(store, unanswered=unanswered), per_page=20)
    return render_template("vendor/orders_reviews.html", page=page, form=ReplyForm(),
                           unanswered=unanswered)


@bp.post("/reviews/<int:review_id>/reply")
@store_required
def review_reply(store, review_id: int):
    """Reply once to a review of one of the store's products."""
    review = reviews.review_for_store(store, review_id)
    form = ReplyForm()

    def page(status):
        replies = paginate(reviews.store_reviews_query(store), per_page=20)
        return render_template("vendor/orders_reviews.html", page=replies, form=form,
                               failed_id=review_id), status

    return submit(form, lambda: reviews.reply_to_review(current_user, review, form.reply.data),
                  done=_("Your reply is published."), next_url=url_for("vendor.store_reviews"),
                  page=page)
