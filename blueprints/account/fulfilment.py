"""Buyer actions on an order: confirm receipt, cancel, ask a refund, dispute, review."""

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf.file import FileAllowed, FileField
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from blueprints.account import bp
from blueprints.common import IntegerField, safe_next, submit, template_page
from blueprints.forms import Form, options
from marketplace.extensions import db
from marketplace.services import orders, reviews
from marketplace.services.orders import allowed_next


class CancelForm(Form):
    reason = TextAreaField(_l("Why do you cancel?"), validators=[DataRequired(), Length(max=500)])


class RefundRequestForm(Form):
    amount = IntegerField(_l("Amount to refund (Rp)"), validators=[Optional(), NumberRange(min=1)],
                          description=_l("Leave empty to ask for everything you paid."))
    reason = TextAreaField(_l("What went wrong?"), validators=[DataRequired(), Length(max=1000)])


class DisputeForm(Form):
    note = TextAreaField(_l("Why do you disagree with the seller?"),
                         validators=[DataRequired(), Length(max=1000)])


class ReviewForm(Form):
    rating = RadioField(_l("Rating"), choices=options((str(n), str(n)) for n in range(5, 0, -1)),
                        validators=[DataRequired(message=_l("Choose from 1 to 5 stars."))])
    text = TextAreaField(_l("Your review (optional)"), validators=[Optional(), Length(max=2000)])
    photo = FileField(_l("Photo (optional)"), validators=[
        FileAllowed(["jpg", "jpeg", "png", "webp"], _l("Choose a JPEG, PNG or WebP photo."))])


@bp.context_processor
def order_action_helpers() -> dict:
    """What `account/_order_actions.html` needs, for any account page showing an order."""

    def order_actions(order) -> dict:
        return {"next": allowed_next(order, current_user),
                "requests": orders.refund_requests(order),
                "can_request_refund": orders.can_request_refund(order),
                "reviews": reviews.reviews_by_line(order), "reviewable": reviews.REVIEWABLE}

    return {"order_actions": order_actions}


def _back(order):
    return redirect(safe_next() if request.values.get("next")
                    else f"/account/orders/{order.reference}")


@bp.route("/orders/<reference>/confirm", methods=["GET", "POST"])
@login_required
def order_confirm(reference: str):
    """Where the order is and, once it arrives, the button saying the goods were received."""
    order = orders.order_for_buyer(current_user, reference)
    form = Form()
    if request.method == "GET":
        return render_template("account/review_confirm.html", order=order)
    if not form.validate_on_submit():
        abort(400)
    orders.confirm_receipt(current_user, order)
    db.session.commit()
    flash(_("Thank you! The order is complete. You can now review the products."), "success")
    return _back(order)


@bp.route("/orders/<reference>/cancel", methods=["GET", "POST"])
@login_required
def order_cancel(reference: str):
    """Cancel an order the seller has not started on yet."""
    order = orders.order_for_buyer(current_user, reference)
    form = CancelForm()
    if form.validate_on_submit():
        orders.cancel_order(current_user, order, form.reason.data)
        db.session.commit()
        flash(_("Your order was cancelled."), "success")
        return _back(order)
    status = 422 if request.method == "POST" else 200
    return render_template("account/review_cancel.html", order=order, form=form), status


@bp.route("/orders/<reference>/refund", methods=["GET", "POST"])
@login_required
def order_refund_request(reference: str):
    """Ask the seller for money back, with a reason."""
    order = orders.order_for_buyer(current_user, reference)
    form = RefundRequestForm()
    return submit(form, lambda: orders.request_refund(current_user, order, form.reason.data,
                                                      form.amount.data),
                  done=_("Your refund request was sent to the seller."),
                  next_url=lambda _request: _back(order),
                  page=lambda status: (render_template(
                      "account/review_refund.html", order=order, form=form,
                      refundable=orders.refundable(order)), status))


@bp.route("/orders/<reference>/refund-requests/<int:request_id>/dispute",
          methods=["GET", "POST"])
@login_required
def order_refund_dispute(reference: str, request_id: int):
    """Ask staff to decide a refund the seller rejected."""
    order = orders.order_for_buyer(current_user, reference)
    refund_request = orders.request_for_order(order, request_id)
    form = DisputeForm()
    if form.validate_on_submit():
        orders.dispute_refund_request(current_user, refund_request, form.note.data)
        db.session.commit()
        flash(_("Pasar Mandiri staff will look at your request."), "success")
        return _back(order)
    status = 422 if request.method == "POST" else 200
    return render_template("account/review_dispute.html", order=order, form=form,
                           refund_request=refund_request), status


@bp.route("/orders/<reference>/review/<int:line_id>", methods=["GET", "POST"])
@login_required
def order_review(reference: str, line_id: int):
    """Rate a product from this order, once, after delivery."""
    order = orders.order_for_buyer(current_user, reference)
    line = reviews.line_for_buyer(current_user, line_id)
    if line.order_id != order.id:
        return _back(order)
    form = ReviewForm()
    return submit(form, lambda: reviews.create_review(
                      current_user, line, form.rating.data, form.text.data,
                      form.photo.data.read() if form.photo.data else None),
                  done=_("Thank you for your review!"), next_url=lambda _review: _back(order),
                  page=template_page("account/review_form.html", order=order, line=line,
                                     form=form))
