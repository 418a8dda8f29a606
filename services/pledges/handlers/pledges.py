"""Handlers for pledges: make (idempotently), change, cancel, refund, and who may read one."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from services.pledges import commands
from services.pledges.adapters.idempotency import RecordedPledge
from services.pledges.domain import (
    KEEP_TIER,
    STANDING_STATUSES,
    Campaign,
    CampaignStatus,
    PaymentGateway,
    Pledge,
    PledgeStatus,
)
from services.pledges.domain.errors import InvalidValue, NotAllowed
from services.pledges.handlers.common import (
    Clock,
    UnknownCampaign,
    UnknownPledge,
    gateway_for,
    locked_campaign,
    locked_pledge,
    utc_now,
)
from services.pledges.unit_of_work import PledgesUnitOfWork


class IdempotencyKeyReused(InvalidValue):
    """The idempotency key was first sent with a different request."""


class NotYourPledge(NotAllowed):
    """Only the pledge's backer and the campaign's creator may see a pledge."""


class NotYourCampaign(NotAllowed):
    """Only the campaign's creator (and admins) may see who pledged what to it."""


@dataclass(frozen=True)
class BackedPledge:
    """A pledge as its campaign's creator sees it: with the backer's name, never the e-mail."""

    pledge: Pledge
    backer_name: str | None


@dataclass(frozen=True)
class PledgeAnswer:
    """What making a pledge did: the pledge as it left it, and whether it was new."""

    pledge: Pledge
    #: True for a pledge made now; False only when replaying an outcome recorded before a
    #: second pledge was refused rather than changing the first (see RecordedPledge).
    created: bool
    #: True when this is the recorded outcome of an earlier request with the same key.
    replayed: bool


def make_pledge(
    command: commands.MakePledge,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
) -> PledgeAnswer:
    """Pledge: one active pledge per backer and campaign, so a second is refused
    (AlreadyPledged, naming the first) unless it repeats the first's Idempotency-Key.

    With an idempotency key, the outcome is kept with the key in the same transaction: a retry
    with the same request gets it back and changes nothing; a different request is refused.
    """
    key = command.idempotency
    with uow:
        # The campaign's lock comes first: it also serialises two uses of one key here.
        # Under the lock, read no more than this pledge needs: most pledges name no tier.
        campaign = locked_campaign(uow, command.campaign_id, with_budget=False, with_tiers=False)
        if key is not None:
            recorded = uow.idempotency_keys.find(command.backer_id, key.key)
            if recorded is not None:
                return _replay(recorded, key)
        existing = uow.pledges.active_of(campaign.id, command.backer_id)
        if command.tier_id is not None:
            uow.campaigns.load_tiers(campaign)
        # A second pledge while one is active is refused (AlreadyPledged), never a change.
        pledge = campaign.pledge(
            command.backer_id,
            command.amount,
            now=clock(),
            tier_id=command.tier_id,
            currency=command.currency,
            existing=existing,
            source=command.source,
        )
        uow.pledges.add(pledge)
        uow.campaigns.save_state(campaign)
        if key is None or uow.idempotency_keys.remember(
            command.backer_id, key.key, RecordedPledge(key.request_hash, pledge, True), clock()
        ):
            uow.commit()
            return PledgeAnswer(pledge, True, replayed=False)
    # The same key won a race on another campaign (another lock): this pledge rolled back,
    # and the key now answers with what it recorded.
    assert key is not None
    with uow:
        recorded = uow.idempotency_keys.find(command.backer_id, key.key)
    assert recorded is not None
    return _replay(recorded, key)


def change_pledge(
    command: commands.ChangePledge, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> Pledge:
    with uow:
        campaign, pledge = locked_pledge(uow, command.pledge_id)
        campaign.change_pledge(
            pledge,
            command.actor_id,
            now=clock(),
            amount=command.amount,
            tier_id=command.tier_id if command.change_tier else KEEP_TIER,
        )
        if campaign.events:
            uow.pledges.save(pledge)
            uow.campaigns.save_state(campaign)
            uow.commit()
    return pledge


def cancel_pledge(
    command: commands.CancelPledge, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> Pledge:
    with uow:
        campaign, pledge = locked_pledge(uow, command.pledge_id)
        campaign.cancel_pledge(pledge, command.actor_id, now=clock())
        uow.pledges.save(pledge)
        uow.campaigns.save_state(campaign)
        uow.commit()
    return pledge


def refund_pledge(
    command: commands.RefundPledge,
    uow: PledgesUnitOfWork,
    gateway: PaymentGateway,
    clock: Clock = utc_now,
) -> Pledge:
    """Return some or all of a collected pledge; under the campaign's lock, so two refunds at
    once can never return more than was collected."""
    with uow:
        campaign, pledge = locked_pledge(uow, command.pledge_id)
        campaign.refund(
            pledge,
            command.actor_id,
            reason=command.reason,
            gateway=gateway_for(gateway, campaign, uow),
            now=clock(),
            amount=command.amount,
        )
        uow.pledges.save(pledge)
        uow.commit()
    return pledge


def pledge_for(pledge_id: uuid.UUID, viewer_id: uuid.UUID, uow: PledgesUnitOfWork) -> Pledge:
    """The pledge, if `viewer_id` is its backer or its campaign's creator; someone else's
    pledge is refused (403) rather than hidden, an unknown id is a 404."""
    with uow:
        pledge = uow.pledges.get(pledge_id)
        if pledge is None:
            raise UnknownPledge(f"No pledge {pledge_id}.")
        if viewer_id != pledge.backer_id and viewer_id != uow.campaigns.creator_of(
            pledge.campaign_id
        ):
            raise NotYourPledge("only the pledge's backer and the campaign's creator may see it")
    return pledge


def pledges_of(
    backer_id: uuid.UUID,
    uow: PledgesUnitOfWork,
    *,
    campaign_id: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[Pledge]:
    """The backer's pledges, newest first; with `campaign_id`, only those on that campaign."""
    with uow:
        return uow.pledges.of_backer(backer_id, campaign_id=campaign_id, limit=limit, offset=offset)


def campaign_pledges(
    campaign_id: uuid.UUID,
    viewer_id: uuid.UUID,
    uow: PledgesUnitOfWork,
    *,
    is_admin: bool = False,
    limit: int = 50,
    offset: int = 0,
    statuses: Collection[PledgeStatus] = (),
) -> list[BackedPledge]:
    """The campaign's pledges, newest first, in ``statuses`` (every state if none), for its
    creator or an admin. Someone else's draft is unknown (404), as everywhere; someone else's
    public campaign is refused (403)."""
    with uow:
        _require_creators_view(uow, campaign_id, viewer_id, is_admin)
        found = uow.pledges.of_campaign(campaign_id, limit=limit, offset=offset, statuses=statuses)
    return [BackedPledge(pledge, name) for pledge, name in found]


@dataclass(frozen=True)
class UnpaidPledges:
    """What settlement's charges left unpaid: pledges whose payment failed (still owed while
    their backers may fix it) and pledges dropped when that time ran out."""

    currency: str
    failed: tuple[int, int]
    dropped: tuple[int, int]


def unpaid_pledges(
    campaign_id: uuid.UUID, viewer_id: uuid.UUID, uow: PledgesUnitOfWork, *, is_admin: bool = False
) -> UnpaidPledges:
    """How many pledges failed to pay or dropped, and for how much; as ``campaign_pledges``."""
    with uow:
        campaign = _require_creators_view(uow, campaign_id, viewer_id, is_admin)
        totals = uow.pledges.totals_by_status(
            campaign_id, (PledgeStatus.PAYMENT_FAILED, PledgeStatus.DROPPED)
        )
    return UnpaidPledges(
        currency=campaign.currency,
        failed=totals.get(PledgeStatus.PAYMENT_FAILED, (0, 0)),
        dropped=totals.get(PledgeStatus.DROPPED, (0, 0)),
    )


@dataclass(frozen=True)
class SourceTotal:
    """What one source brought a campaign: its standing pledges and their amount."""

    #: The share tag or referring host; ``None`` for pledges made without one (direct).
    source: str | None
    pledges: int
    #: Minor units of the campaign's currency, net of refunds.
    amount: int


@dataclass(frozen=True)
class Referrals:
    """Where a campaign's backers came from: counts and sums per source, never who."""

    currency: str
    #: The largest amount first.
    sources: list[SourceTotal]


def referrals(
    campaign_id: uuid.UUID, viewer_id: uuid.UUID, uow: PledgesUnitOfWork, *, is_admin: bool = False
) -> Referrals:
    """The campaign's standing pledges per source (see STANDING_STATUSES), for its creator
    and admins; as ``campaign_pledges``."""
    with uow:
        campaign = _require_creators_view(uow, campaign_id, viewer_id, is_admin)
        totals = uow.pledges.totals_by_source(campaign_id, STANDING_STATUSES)
    return Referrals(campaign.currency, [SourceTotal(*total) for total in totals])


def _require_creators_view(
    uow: PledgesUnitOfWork, campaign_id: uuid.UUID, viewer_id: uuid.UUID, is_admin: bool
) -> Campaign:
    campaign = uow.campaigns.get(campaign_id)
    mine = campaign is not None and campaign.creator_id == viewer_id
    if campaign is None or not (mine or is_admin or campaign.status is not CampaignStatus.DRAFT):
        raise UnknownCampaign(f"No campaign {campaign_id}.")
    if not (mine or is_admin):
        raise NotYourCampaign("only the campaign's creator may see its pledges")
    return campaign


def _replay(recorded: RecordedPledge, key: commands.IdempotencyKey) -> PledgeAnswer:
    if recorded.request_hash != key.request_hash:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key",
            "Idempotency-Key",
        )
    return PledgeAnswer(recorded.pledge, recorded.created, replayed=True)
