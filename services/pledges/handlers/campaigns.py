"""Handlers for a campaign's lifecycle: draft, edit, launch, cancel and settle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.pledges import commands
from services.pledges.domain import (
    DEFAULT_PAYMENT_GRACE,
    Campaign,
    CampaignStatus,
    PaymentGateway,
)
from services.pledges.domain.accounts import EmailNotVerified
from services.pledges.domain.errors import DomainError
from services.pledges.domain.payment_provider import PaymentProvider, PaymentProviderError
from services.pledges.domain.values import CampaignRevision
from services.pledges.handlers.common import Clock, gateway_for, locked_campaign, utc_now
from services.pledges.handlers.payouts import check_payout_account
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class Settlement:
    campaign: Campaign
    #: False when the campaign had already been settled and nothing changed.
    settled: bool


def create_campaign(
    command: commands.CreateCampaign,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
    *,
    test_mode: bool = True,
) -> Campaign:
    campaign = Campaign.create(
        creator_id=command.creator_id,
        title=command.title,
        description=command.description,
        goal_amount=command.goal_amount,
        currency=command.currency,
        deadline=command.deadline,
        funding_model=command.funding_model,
        tiers=command.tiers,
        budget=command.budget,
        now=clock(),
        test_mode=test_mode,
        language=command.language,
    )
    with uow:
        uow.campaigns.add(campaign)
        uow.commit()
    return campaign


def update_campaign(
    command: commands.UpdateCampaign, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> Campaign:
    """Edit a draft; or, once launched, revise its words (`revise_campaign`)."""
    with uow:
        campaign = locked_campaign(uow, command.campaign_id)
        if campaign.status is not CampaignStatus.DRAFT:
            _revise(campaign, command, uow, clock())
            return campaign
        campaign.update(
            command.actor_id,
            now=clock(),
            title=command.title,
            description=command.description,
            goal_amount=command.goal_amount,
            currency=command.currency,
            deadline=command.deadline,
            funding_model=command.funding_model,
            tiers=command.tiers,
            budget=command.budget,
            language=command.language,
        )
        if campaign.events:
            uow.campaigns.save(campaign)
            uow.commit()
    return campaign


def _revise(
    campaign: Campaign, command: commands.UpdateCampaign, uow: PledgesUnitOfWork, now: datetime
) -> None:
    """A launched campaign's words change, and its public history keeps both versions: the
    first revision records the version backers saw from the launch."""
    launched = campaign.revision(campaign.launched_at or campaign.created_at)
    changed = campaign.revise(
        command.actor_id,
        now=now,
        title=command.title,
        description=command.description,
        tiers=command.tiers,
        locked={
            "goal_amount": command.goal_amount,
            "currency": command.currency,
            "deadline": command.deadline,
            "funding_model": command.funding_model,
            "budget": command.budget,
            "language": command.language,
        },
    )
    if not changed:
        return
    if uow.revisions.count(campaign.id) == 0:
        uow.revisions.add(campaign.id, launched)
    uow.revisions.add(campaign.id, campaign.revision(now))
    uow.campaigns.save(campaign)
    uow.commit()


def campaign_revisions(campaign: Campaign, uow: PledgesUnitOfWork) -> list[CampaignRevision]:
    """A launched campaign's versions, oldest first: the launched one alone until it is
    revised. A draft has no public history."""
    if campaign.status is CampaignStatus.DRAFT:
        return []
    kept = uow.revisions.list(campaign.id)
    return kept or [campaign.revision(campaign.launched_at or campaign.created_at)]


def launch_campaign(
    command: commands.LaunchCampaign,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
    *,
    moves_money: bool = False,
    payments: PaymentProvider | None = None,
) -> Campaign:
    """Draft → live. When settlement moves real money (`moves_money`, from the gateway), the
    creator's payout account must accept charges first: `payments` reads it back if our copy
    says it does not yet. Otherwise the campaign is launched in test mode, and says so."""
    with uow:
        campaign = locked_campaign(uow, command.campaign_id)
        campaign.launch(command.actor_id, now=clock(), test_mode=not moves_money)
        # Self-registered creators prove their address first; CLI- and admin-made accounts
        # have no credential and were vouched for by whoever made them.
        credential = uow.accounts.credential_of(command.actor_id)
        if credential is not None and credential.email_verified_at is None:
            raise EmailNotVerified(
                "verify your e-mail address before launching a campaign: follow the link "
                "we mailed you, or ask for a new one (POST /me/email-verification)"
            )
        check_payout_account(
            uow, command.actor_id, moves_money=moves_money, payments=payments, clock=clock
        )
        uow.campaigns.save_state(campaign)
        uow.commit()
    return campaign


def cancel_campaign(
    command: commands.CancelCampaign,
    uow: PledgesUnitOfWork,
    gateway: PaymentGateway,
    clock: Clock = utc_now,
) -> Campaign:
    with uow:
        campaign = locked_campaign(uow, command.campaign_id)
        active = (
            uow.pledges.active_for(campaign.id) if campaign.status is CampaignStatus.LIVE else []
        )
        campaign.cancel(
            command.actor_id,
            now=clock(),
            pledges=active,
            gateway=gateway_for(gateway, campaign, uow),
        )
        uow.pledges.save_all(active)
        uow.campaigns.save_state(campaign)
        uow.commit()
    return campaign


def settle_campaign(
    command: commands.SettleCampaign,
    uow: PledgesUnitOfWork,
    gateway: PaymentGateway,
    clock: Clock = utc_now,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> Settlement:
    """Collect or release every active pledge, exactly once: the campaign's lock makes a second,
    concurrent settle wait and then find the campaign settled, changing nothing. A pledge the
    gateway cannot charge at all (no card) fails at once, with `payment_grace` to fix it. A
    `PaymentProviderError` (the provider down) rolls everything back: nothing is recorded,
    and settling again sends the provider the same idempotency keys."""
    with uow:
        campaign = locked_campaign(uow, command.campaign_id)
        active = (
            uow.pledges.active_for(campaign.id) if campaign.status is CampaignStatus.LIVE else []
        )
        settled = campaign.settle(
            active,
            gateway_for(gateway, campaign, uow),
            now=clock(),
            actor_id=command.actor_id,
            is_admin=command.is_admin,
            payment_grace=payment_grace,
        )
        if settled:
            uow.pledges.save_all(active)
            uow.campaigns.save_state(campaign)
            uow.commit()
    return Settlement(campaign, settled)


def settle_due(
    uow_factory: Callable[[], PledgesUnitOfWork],
    gateway_factory: Callable[[], PaymentGateway],
    clock: Clock = utc_now,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> list[Settlement]:
    """Settle every live campaign whose deadline has come, each in its own transaction, so one
    that cannot be settled does not hold back the others. Returns those it settled. A campaign
    the provider could not be asked about (down, or our key refused) stays live and is tried
    again at the next pass, with the same idempotency keys."""
    now = clock()
    with uow_factory() as uow:
        due = uow.campaigns.due_ids(now)
    done: list[Settlement] = []
    for campaign_id in due:
        try:
            outcome = settle_campaign(
                commands.SettleCampaign(campaign_id, actor_id=None),
                uow_factory(),
                gateway_factory(),
                clock=lambda: now,
                payment_grace=payment_grace,
            )
        except DomainError as exc:
            log.warning("settle.refused", campaign_id=str(campaign_id), reason=exc.message)
            continue
        except PaymentProviderError as exc:
            log.warning("settle.deferred", campaign_id=str(campaign_id), error=str(exc))
            continue
        if outcome.settled:
            log.info(
                "settle.done", campaign_id=str(campaign_id), status=outcome.campaign.status.value
            )
            done.append(outcome)
    return done
