"""Stripe, the card gateway: request building (pure functions) and the few calls we make.

Amounts go to Stripe only through `marketplace.money.to_stripe_amount`. Every call that
creates or moves money carries a deterministic idempotency key built from the checkout
reference and the action, so a retry after a timeout can never charge twice.

The `stripe` library is imported by the functions that call it, never at the top of a module
the web app loads: with its HTTP clients (aiohttp, requests) it costs every web worker ~10 MB,
and most requests never touch a card.
"""

from flask import current_app

from marketplace.money import to_stripe_amount

CURRENCY = "idr"
#: Stripe accepts at most eight digits in `amount` (99999999 in minor units): Rp999.999.
MAX_STRIPE_AMOUNT = 99_999_999
#: Webhook timestamps older than this (seconds) are refused (Stripe's own default).
WEBHOOK_TOLERANCE = 300


def card_limit_rupiah() -> int:
    """The largest amount in rupiah a single card payment may carry."""
    return MAX_STRIPE_AMOUNT // to_stripe_amount(1)


def idempotency_key(reference: str, action: str, attempt: int = 0) -> str:
    """One key per checkout action (and per retry the buyer starts on purpose)."""
    return f"pm-{reference}-{action}-{attempt}"


def payment_intent_params(reference: str, amount: int, payment_method: str | None = None,
                          attempt: int = 0) -> dict:
    """The PaymentIntent for one checkout: amount in Stripe units, the checkout in metadata."""
    params = {
        "amount": to_stripe_amount(amount),
        "currency": CURRENCY,
        "payment_method_types": ["card"],
        "metadata": {"checkout": reference, "attempt": str(attempt)},
    }
    if payment_method:
        params["payment_method"] = payment_method
    return params


def checkout_session_params(reference: str, amount: int, success_url: str,
                            cancel_url: str, email: str | None = None) -> dict:
    """A hosted Stripe Checkout Session for one checkout (how cards are collected in production).

    The card form is Stripe's own page, so no card number touches this site and no third-party
    script runs on it; the webhook `checkout.session.completed` confirms the payment.
    """
    params = {
        "mode": "payment",
        "client_reference_id": reference,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "payment_method_types": ["card"],
        "line_items": [{
            "quantity": 1,
            "price_data": {"currency": CURRENCY, "unit_amount": to_stripe_amount(amount),
                           "product_data": {"name": f"Pasar Mandiri {reference}"}},
        }],
        "payment_intent_data": {"metadata": {"checkout": reference}},
        "metadata": {"checkout": reference},
    }
    if email:
        params["customer_email"] = email
    return params


def client():
    """A `stripe.StripeClient` for the configured account (a local fake when STRIPE_API_BASE
    is set)."""
    import stripe

    config = current_app.config
    kwargs = {"max_network_retries": 0}
    if config.get("STRIPE_API_BASE"):
        kwargs["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], **kwargs)


def uses_hosted_checkout() -> bool:
    """Real Stripe collects the card on its hosted page; a local fake takes test payment methods."""
    return not current_app.config.get("STRIPE_API_BASE")


def create_payment_intent(reference: str, amount: int, payment_method: str, attempt: int):
    return client().v1.payment_intents.create(
        payment_intent_params(reference, amount, payment_method, attempt),
        options={"idempotency_key": idempotency_key(reference, "pi-create", attempt)})


def retrieve_payment_intent(intent_id: str):
    return client().v1.payment_intents.retrieve(intent_id)


def confirm_payment_intent(reference: str, intent_id: str, attempt: int):
    return client().v1.payment_intents.confirm(
        intent_id, options={"idempotency_key": idempotency_key(reference, "pi-confirm", attempt)})


def cancel_payment_intent(reference: str, intent_id: str):
    return client().v1.payment_intents.cancel(
        intent_id, options={"idempotency_key": idempotency_key(reference, f"cancel-{intent_id}")})


def refund_payment_intent(reference: str, intent_id: str, amount: int | None, action: str):
    """Refund `amount` rupiah of the intent, or all of it when `amount` is None."""
    params = {"payment_intent": intent_id}
    if amount is not None:
        params["amount"] = to_stripe_amount(amount)
    return client().v1.refunds.create(
        params, options={"idempotency_key": idempotency_key(reference, action)})


def create_checkout_session(reference: str, amount: int, success_url: str, cancel_url: str,
                            email: str | None):
    return client().v1.checkout.sessions.create(
        checkout_session_params(reference, amount, success_url, cancel_url, email),
        options={"idempotency_key": idempotency_key(reference, "session")})


def verify_webhook(payload: bytes, signature: str | None) -> None:
    """Check signature and timestamp on the raw body; raises SignatureVerificationError."""
    import stripe

    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise stripe.SignatureVerificationError("missing secret or signature", signature)
    stripe.WebhookSignature.verify_header(payload.decode("utf-8", "replace"), signature,
                                          secret, tolerance=WEBHOOK_TOLERANCE)
