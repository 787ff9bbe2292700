"""Views of the webhooks area: Stripe's signed event notifications."""

import logging

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError

from blueprints.webhooks import bp
from marketplace import stripe_gateway
from marketplace.extensions import csrf, db
from marketplace.services import payments

log = logging.getLogger(__name__)


@bp.route("/webhooks/stripe", methods=["POST"])
@csrf.exempt
def stripe_webhook():
    """Verify the signature on the raw body, then act on the event once (duplicates are 200)."""
    import stripe  # only here: see stripe_gateway

    payload = request.get_data(cache=False)
    try:
        stripe_gateway.verify_webhook(payload, request.headers.get("Stripe-Signature"))
    except (stripe.SignatureVerificationError, ValueError):
        return jsonify(error="invalid signature"), 400
    try:
        outcome = payments.handle_stripe_event(payload)
        db.session.commit()
    except IntegrityError:  # the same event delivered twice at once: the first one acts
        db.session.rollback()
        outcome = "duplicate"
    if outcome == payments.UNUSABLE:  # recorded; tell the sender it was unusable
        return jsonify(error="malformed event", outcome=outcome), 400
    return jsonify(received=True, outcome=outcome)
