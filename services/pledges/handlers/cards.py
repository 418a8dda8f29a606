"""Handlers for backers' saved cards: open the provider's hosted page for a pledge, and record
the card it saved (the provider's `checkout.session.completed`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.pledges import commands
from services.pledges.domain import DEFAULT_PAYMENT_GRACE, PaymentGateway, Pledge, PledgeStatus
from services.pledges.domain.cards import (
    begin_card_setup,
    check_card_setup,
    claim_card_setup,
    save_card,
)
from services.pledges.domain.errors import CardsNotTaken, DomainError, NotPledgeBacker
from services.pledges.domain.payment_provider import CardSetup, PaymentProvider
from services.pledges.handlers.common import Clock, gateway_for, locked_pledge, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class CardSaved:
    """What the provider's word about a saved card did."""

    pledge: Pledge
    #: False for a repeated or stale answer, or one for a pledge that takes no card now.
    changed: bool
    #: Whether a failed payment was asked for again with the new card.
    retried: bool = False


def start_card_setup(
    command: commands.StartCardSetup,
    uow: PledgesUnitOfWork,
    payments: PaymentProvider | None,
    site_url: str,
    clock: Clock = utc_now,
) -> CardSetup:
    """A hosted page (Stripe Checkout, setup mode) saving a card for the backer's pledge, which
    sends the backer back to the campaign's page on the site.

    The provider is called outside any transaction, so a slow answer holds no campaign's lock:
    the attempt is claimed first (each attempt is its own idempotency key at the provider), and
    the page is recorded after, unless a later attempt was claimed meanwhile."""
    if payments is None:
        raise CardsNotTaken(
            "this site runs in test mode: no money moves, so a pledge needs no card"
        )
    with uow:
        campaign, pledge = locked_pledge(uow, command.pledge_id)
        if pledge.backer_id != command.actor_id:
            raise NotPledgeBacker("only the pledge's backer may save a card for it")
        check_card_setup(campaign, pledge, clock())
        attempt = claim_card_setup(pledge, clock())
        customer_id = uow.payment_customers.of(pledge.backer_id)
        uow.pledges.save(pledge)
        uow.commit()
    if customer_id is None:
        # Keyed by the account at the provider: two first cards at once make one customer.
        customer_id = payments.create_customer(pledge.backer_id)
    page = f"{site_url}/campaigns/{pledge.campaign_id}"
    setup = payments.create_card_setup(
        customer_id=customer_id,
        campaign_id=pledge.campaign_id,
        pledge_id=pledge.id,
        attempt=attempt,
        currency=pledge.currency,
        success_url=f"{page}?card=saving",
        cancel_url=page,
    )
    with uow:
        _, pledge = locked_pledge(uow, command.pledge_id)
        if uow.payment_customers.of(pledge.backer_id) is None:
            uow.payment_customers.add(pledge.backer_id, customer_id, clock())
        if begin_card_setup(pledge, setup.session_id, attempt, clock()):
            uow.pledges.save(pledge)
        uow.commit()
    return setup


def card_saved(
    command: commands.SaveCard,
    uow: PledgesUnitOfWork,
    payment_gateway: Callable[[], PaymentGateway],
    clock: Clock = utc_now,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> CardSaved:
    """The provider saved a card through the pledge's latest hosted page: `apply_card_saved` in
    a transaction of its own."""
    with uow:
        result = apply_card_saved(command, uow, payment_gateway, clock(), payment_grace)
        if result.changed:
            uow.commit()
    return result


def apply_card_saved(
    command: commands.SaveCard,
    uow: PledgesUnitOfWork,
    payment_gateway: Callable[[], PaymentGateway],
    now: datetime,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> CardSaved:
    """The pledge keeps the card's id (`card_saved`), replacing any earlier card, within a unit
    of work the caller opened and commits (a webhook commits it with its inbox row). An answer
    about an older page, a repeated one, or one for a pledge that no longer takes a card changes
    nothing.

    A pledge whose payment failed is asked for again with the new card, within its grace period
    (`retry_collection`, through the gateway settlement uses: with Stripe, a charge of the new
    card keyed by the next attempt). A provider that cannot be asked raises
    `PaymentProviderError`, and the caller's transaction keeps nothing, card included."""
    campaign, pledge = locked_pledge(uow, command.pledge_id)
    if not save_card(pledge, command.checkout_session_id, command.payment_method_id, now):
        log.info("card.ignored", pledge_id=str(pledge.id), status=pledge.status.value)
        return CardSaved(pledge, changed=False)
    uow.pledges.save(pledge)
    log.info("card.saved", pledge_id=str(pledge.id))
    if pledge.status is not PledgeStatus.PAYMENT_FAILED:
        return CardSaved(pledge, changed=True)
    try:
        gateway = gateway_for(payment_gateway(), campaign, uow)
        campaign.retry_collection(pledge, gateway, now=now, payment_grace=payment_grace)
    except DomainError as refused:
        # The grace period ran out: the card is kept, the pledge drops at the next settle.
        log.info("card.retry_refused", pledge_id=str(pledge.id), reason=refused.message)
        return CardSaved(pledge, changed=True)
    uow.pledges.save(pledge)
    uow.campaigns.save_state(campaign)
    return CardSaved(pledge, changed=True, retried=True)
