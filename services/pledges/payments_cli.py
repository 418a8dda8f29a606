"""`fundtrail payments replay --since DATE`: take in Stripe's events again after an outage.
`fundtrail payments trigger WHAT`: play Stripe's side locally, against stripe-mock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
import requests

from services.pledges.adapters import stripe_trigger
from services.pledges.adapters.stripe_payments import StripePayments
from services.pledges.bootstrap import SERVICE, PledgesDependencies, bootstrap
from services.pledges.domain.accounts import email_key
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


#: What `trigger` can play: each builds one event from a pledge (or a creator's account).
PLEDGE_EVENTS: dict[str, Callable[..., tuple[str, dict[str, Any]]]] = {
    "card-saved": stripe_trigger.card_saved,
    "payment-succeeded": stripe_trigger.payment_succeeded,
    "payment-failed": stripe_trigger.payment_failed,
    "requires-action": stripe_trigger.requires_action,
    "dispute-opened": lambda pledge, **_: stripe_trigger.dispute(pledge, status="needs_response"),
    "dispute-won": lambda pledge, **_: stripe_trigger.dispute(pledge, status="won"),
    "dispute-lost": lambda pledge, **_: stripe_trigger.dispute(pledge, status="lost"),
    "refunded": stripe_trigger.charge_refunded,
}
#: How many of a campaign's pledges `--campaign` looks at.
CAMPAIGN_PLEDGES = 1_000


@payments.command("trigger")
@click.argument("what", type=click.Choice(["payouts-ready", *PLEDGE_EVENTS]))
@click.option("--pledge", "pledge_ids", type=click.UUID, multiple=True, help="A pledge's id.")
@click.option("--campaign", "campaign_id", type=click.UUID, help="Every pledge of a campaign.")
@click.option("--backer", help="With --campaign: only this backer's pledge (their e-mail address).")
@click.option("--creator", help="The creator's e-mail address (payouts-ready).")
@click.option(
    "--decline-code",
    default="card_declined",
    show_default=True,
    help="Why the card failed (payment-failed): insufficient_funds, expired_card, ...",
)
@click.option(
    "--to",
    "endpoint",
    help="The webhook's address [default: the pledges service on this machine].",
)
def trigger(
    what: str,
    pledge_ids: tuple[uuid.UUID, ...],
    campaign_id: uuid.UUID | None,
    backer: str | None,
    creator: str | None,
    decline_code: str,
    endpoint: str | None,
) -> None:
    """Send the webhook event Stripe would send, signed with STRIPE_WEBHOOK_SECRET: for trying
    the payments with stripe-mock, which sends none, and whose hosted pages cannot be reached.

    \b
    payouts-ready      the creator finished Stripe's onboarding (--creator)
    card-saved         the backer saved Stripe's test card on the pledge's Checkout page
    payment-succeeded  settlement's charge succeeded
    payment-failed     it failed (--decline-code); requires-action: the bank wants the backer
    dispute-opened     a chargeback; dispute-won / dispute-lost close it
    refunded           Stripe confirms the creator's refunds (charge.refunded)

    Pledges are named by --pledge (repeatable) or --campaign (each of its pledges where the
    event could happen, or --backer ADDRESS's only). Test keys only. Exits 1 if any delivery
    was refused."""
    dependencies = bootstrap()
    configure_logging(dependencies.settings.log_format)
    try:
        settings = dependencies.payment_settings
        if not settings.stripe_webhook_secret:
            raise click.ClickException(
                "Stripe is not configured (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are unset)"
            )
        if "_live_" in settings.stripe_secret_key:
            raise click.ClickException("trigger is for test keys: live events come from Stripe")
        url = endpoint or f"http://127.0.0.1:{SERVICE.port}/api/v1/payments/stripe/webhook"
        events = (
            [_payouts_ready(dependencies, creator)]
            if what == "payouts-ready"
            else _pledge_events(dependencies, what, pledge_ids, campaign_id, backer, decline_code)
        )
        refused = 0
        for about, (event_type, data_object) in events:
            signed = stripe_trigger.sign(event_type, data_object, settings.stripe_webhook_secret)
            refused += not _deliver(url, about, signed)
        if refused:
            raise click.ClickException(f"{refused} of {len(events)} deliveries were refused")
    finally:
        dependencies.engine.dispose()


Event = tuple[str, tuple[str, dict[str, Any]]]


def _payouts_ready(dependencies: PledgesDependencies, creator: str | None) -> Event:
    if not creator:
        raise click.UsageError("payouts-ready needs --creator ADDRESS")
    with dependencies.uow_factory() as uow:
        account_id = uow.accounts.account_with_email(email_key(creator))
        state = uow.payout_accounts.of_creator(account_id) if account_id else None
    if account_id is None:
        raise click.ClickException(f"no account has the address {creator}")
    if state is None:
        raise click.ClickException(
            f"{creator} has not started setting up payouts (the console's Payouts button)"
        )
    return f"creator {creator}", stripe_trigger.payouts_ready(state)


def _pledge_events(
    dependencies: PledgesDependencies,
    what: str,
    pledge_ids: tuple[uuid.UUID, ...],
    campaign_id: uuid.UUID | None,
    backer: str | None,
    decline_code: str,
) -> list[Event]:
    if bool(pledge_ids) == bool(campaign_id):
        raise click.UsageError(f"{what} needs --pledge ID (one or more) or --campaign ID")
    if backer and campaign_id is None:
        raise click.UsageError("--backer goes with --campaign")
    with dependencies.uow_factory() as uow:
        if campaign_id is not None:
            pledges = [p for p, _ in uow.pledges.of_campaign(campaign_id, limit=CAMPAIGN_PLEDGES)]
            if backer:
                backer_id = uow.accounts.account_with_email(email_key(backer))
                pledges = [p for p in pledges if p.backer_id == backer_id]
        else:
            found = {pledge_id: uow.pledges.get(pledge_id) for pledge_id in pledge_ids}
            missing = [str(pledge_id) for pledge_id, pledge in found.items() if pledge is None]
            if missing:
                raise click.ClickException(f"no such pledge: {', '.join(missing)}")
            pledges = [pledge for pledge in found.values() if pledge is not None]
    build = PLEDGE_EVENTS[what]
    extra: dict[str, Any] = {}
    if what == "payment-failed":
        extra["decline_code"] = decline_code
    elif what == "payment-succeeded":
        extra["platform_fee_bps"] = dependencies.payment_settings.platform_fee_bps
    events: list[Event] = []
    for pledge in pledges:
        try:
            events.append((f"pledge {pledge.id}", build(pledge, **extra)))
        except stripe_trigger.NotForTrigger as why:
            if campaign_id is None:
                raise click.ClickException(f"pledge {pledge.id}: {why}") from None
    if not events:
        whose = f" by {backer}" if backer else ""
        raise click.ClickException(
            f"no pledge{whose} of campaign {campaign_id} is ready for {what}"
        )
    return events


def _deliver(url: str, about: str, signed: stripe_trigger.SignedEvent) -> bool:
    """POST the event as Stripe would; True if the endpoint took it in."""
    try:
        answer = requests.post(
            url,
            data=signed.body,
            headers={"Content-Type": "application/json", "Stripe-Signature": signed.signature},
            timeout=30,
        )
    except requests.RequestException as error:
        raise click.ClickException(f"the webhook at {url} could not be reached: {error}") from None
    if answer.status_code != 200:
        click.echo(f"{about}: {signed.type} refused ({answer.status_code}): {answer.text[:300]}")
        return False
    receipt = answer.json()
    effect = "took effect" if receipt.get("took_effect") else "no effect (nothing to change)"
    click.echo(f"{about}: {signed.type} {signed.id}: {effect}")
    return True
