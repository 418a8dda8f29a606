"""Stripe's webhook endpoint: verified deliveries in, each Stripe event taken in once."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma

from services.pledges.adapters.stripe_webhooks import WebhookRejected, verify_webhook
from services.pledges.bootstrap import current_dependencies
from services.pledges.handlers.stripe_events import StripeUnavailable, WebhookContext, receive
from shared.logging import get_logger
from shared.web.api import Blueprint
from shared.web.problems import problem_response

log = get_logger(__name__)

#: Stripe's events are a few kilobytes; a body far past that is not one of them.
MAX_BODY_BYTES = 1024 * 1024
#: When Stripe could not be read: Stripe redelivers on its own schedule; others may retry then.
RETRY_AFTER_SECONDS = 60

blp = Blueprint(
    "stripe_webhook",
    __name__,
    url_prefix="/api/v1",
    description="Stripe's signed notices of payments, failures and disputes",
)


class WebhookReceiptOut(ma.Schema):
    received = ma.fields.Boolean(metadata={"description": "Always true: the event is stored"})
    duplicate = ma.fields.Boolean(
        metadata={"description": "The event had been received before; nothing was done now"}
    )
    took_effect = ma.fields.Boolean(
        metadata={"description": "The event changed something (false for types not handled)"}
    )


@blp.post("/payments/stripe/webhook")
@blp.response(200, WebhookReceiptOut)
@blp.problem(400, "A missing, forged or stale signature, or a body that is no Stripe event")
@blp.problem(404, "Stripe is not configured here (no webhook secret)")
@blp.problem(413, "The body is too large to be a Stripe event")
@blp.problem(503, "Stripe could not be asked what the event needs; it will deliver it again")
def stripe_webhook() -> Any:
    """For Stripe only: an event signed with the endpoint's secret (`Stripe-Signature`, five
    minutes' tolerance). Each Stripe event id has its effect once; a redelivery answers 200 and
    does nothing. Nothing is written for a rejected delivery."""
    dependencies = current_dependencies()
    secret = dependencies.payment_settings.stripe_webhook_secret
    if not secret:
        # Without Stripe there is nothing to notify: the same answer as an unknown address.
        return problem_response(404, "This installation does not take payments through Stripe.")
    if (flask.request.content_length or 0) > MAX_BODY_BYTES:
        return problem_response(413, f"A Stripe event is at most {MAX_BODY_BYTES} bytes.")
    body = flask.request.get_data(cache=False)
    if len(body) > MAX_BODY_BYTES:
        return problem_response(413, f"A Stripe event is at most {MAX_BODY_BYTES} bytes.")
    try:
        event = verify_webhook(body, flask.request.headers.get("Stripe-Signature"), secret)
    except WebhookRejected as rejected:
        log.warning("stripe.webhook_rejected", reason=str(rejected))
        return problem_response(
            400,
            f"Not a genuine, recent Stripe event: {rejected}.",
            errors={"Stripe-Signature": [str(rejected)]},
        )
    context = WebhookContext(
        payments=dependencies.payments,
        clock=dependencies.clock,
        payment_grace=dependencies.payment_settings.payment_grace,
        payment_gateway=dependencies.payment_gateway,
    )
    try:
        receipt = receive(event, dependencies.uow_factory, context)
    except StripeUnavailable as unavailable:
        log.warning("stripe.webhook_deferred", event_id=event.id, reason=str(unavailable))
        return problem_response(
            503,
            "Stripe could not be asked about this event; nothing was recorded.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    log.info(
        "stripe.webhook",
        event_id=event.id,
        type=event.type,
        duplicate=receipt.duplicate,
        took_effect=receipt.took_effect,
    )
    return {"received": True, "duplicate": receipt.duplicate, "took_effect": receipt.took_effect}
