"""`fundtrail payments replay --since DATE`: take in Stripe's events again after an outage."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from services.pledges.adapters.stripe_payments import StripePayments
from services.pledges.bootstrap import bootstrap
from services.pledges.domain.payment_provider import PaymentProviderError
from services.pledges.handlers.stripe_events import StripeUnavailable, WebhookContext, receive
from shared.logging import configure_logging


@click.group()
def payments() -> None:
    """Payments through Stripe."""


@payments.command("replay")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"]),
    help="Replay Stripe's events from this date or time on (UTC unless an offset is given; "
    "Stripe keeps 30 days of events).",
)
def replay(since: datetime) -> None:
    """Feed Stripe's events since a date through the webhook's handlers, as if delivered again.

    Events already taken in are skipped, so running this twice, or while webhooks arrive, is
    safe. Exits 1 if Stripe is not configured or could not be read for some event."""
    dependencies = bootstrap()
    configure_logging(dependencies.settings.log_format)
    try:
        stripe = dependencies.payments
        if not isinstance(stripe, StripePayments):
            raise click.ClickException("Stripe is not configured (STRIPE_SECRET_KEY is unset)")
        start = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        try:
            events = stripe.events_since(start)
        except PaymentProviderError as error:
            raise click.ClickException(f"Stripe's events could not be listed: {error}") from None
        context = WebhookContext(
            payments=stripe,
            clock=dependencies.clock,
            payment_grace=dependencies.payment_settings.payment_grace,
            payment_gateway=dependencies.payment_gateway,
        )
        counts = {"took effect": 0, "no effect": 0, "already taken in": 0, "deferred": 0}
        for event in events:
            try:
                receipt = receive(event, dependencies.uow_factory, context)
            except StripeUnavailable:
                counts["deferred"] += 1
                continue
            if receipt.duplicate:
                counts["already taken in"] += 1
            else:
                counts["took effect" if receipt.took_effect else "no effect"] += 1
        summary = ", ".join(f"{count} {what}" for what, count in counts.items())
        click.echo(f"{len(events)} Stripe events since {start.isoformat()}: {summary}")
        if counts["deferred"]:
            raise click.ClickException("Stripe could not be read for some events: run it again")
    finally:
        dependencies.engine.dispose()
