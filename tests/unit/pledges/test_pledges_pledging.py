"""Pledging to a live campaign: new pledges, pledging again, changes, cancelling, tallies."""

from __future__ import annotations

import uuid
from datetime import timedelta
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import pytest

from services.pledges.domain import (
    KEEP_TIER,
    AlreadyPledged,
    BelowTierMinimum,
    CampaignNotLive,
    CurrencyMismatch,
    DeadlinePassed,
    InvalidAmount,
    NotPledgeBacker,
    PledgeCancelled,
    PledgeChanged,
    PledgeCreated,
    PledgeNotActive,
    PledgeStatus,
    UnknownTier,
)

if TYPE_CHECKING:
    from conftest import World


def test_a_pledge_counts_toward_the_campaign_and_records_pledge_created(world: World) -> None:
    campaign = world.live()
    backer = uuid.uuid4()
    sticker = campaign.tiers[0]

    pledge = campaign.pledge(backer, 2_500, now=world.now, tier_id=sticker.id)

    assert (pledge.status, pledge.amount, pledge.currency, pledge.tier_id) == (
        PledgeStatus.PLEDGED,
        2_500,
        "EUR",
        sticker.id,
    )
    assert (pledge.campaign_id, pledge.backer_id) == (campaign.id, backer)
    assert (campaign.pledged_amount, campaign.backers_count, sticker.taken) == (2_500, 1, 1)
    assert campaign.events == [
        PledgeCreated(
            campaign_id=campaign.id,
            occurred_at=world.now,
            pledge_id=pledge.id,
            backer_id=backer,
            amount=2_500,
            currency="EUR",
            tier_id=sticker.id,
            tier_name="Sticker",
        )
    ]


def test_pledge_takes_a_given_id(world: World) -> None:
    campaign, chosen = world.live(), uuid.uuid4()
    assert campaign.pledge(uuid.uuid4(), 1_000, now=world.now, pledge_id=chosen).id == chosen


def test_the_campaigns_currency_may_be_named(world: World) -> None:
    campaign = world.live()
    assert campaign.pledge(uuid.uuid4(), 1_000, now=world.now, currency="EUR").amount == 1_000


@pytest.mark.parametrize("currency", ["USD", "eur", "ZZZ"])
def test_another_currency_is_refused(world: World, currency: str) -> None:
    campaign = world.live()
    with pytest.raises(CurrencyMismatch) as refused:
        campaign.pledge(uuid.uuid4(), 1_000, now=world.now, currency=currency)
    assert refused.value.field == "currency"
    assert (campaign.pledged_amount, campaign.events) == (0, [])


def test_pledging_again_is_refused_naming_the_pledge_that_stands(world: World) -> None:
    # Pledging again used to change the first pledge (PledgeChanged) and drop its tier.
    campaign = world.live()
    backer = uuid.uuid4()
    oven = campaign.tiers[1]
    first = campaign.pledge(backer, 50_000, now=world.now, tier_id=oven.id)
    campaign.events.clear()

    with pytest.raises(AlreadyPledged) as refused:
        campaign.pledge(backer, 2_000, now=world.now + timedelta(days=1), existing=first)

    assert refused.value.facts == {
        "pledge_id": str(first.id),
        "amount": 50_000,
        "currency": "EUR",
        "tier_id": str(oven.id),
    }
    assert (first.amount, first.tier_id) == (50_000, oven.id)
    assert (campaign.pledged_amount, campaign.backers_count, oven.taken) == (50_000, 1, 1)
    assert campaign.events == []


def test_a_change_records_both_amounts_and_names_both_tiers(world: World) -> None:
    campaign = world.live()
    backer = uuid.uuid4()
    first = campaign.pledge(backer, 2_000, now=world.now)
    later = world.now + timedelta(days=1)
    oven = campaign.tiers[1]

    campaign.change_pledge(first, backer, now=later, amount=60_000, tier_id=oven.id)

    assert (first.amount, first.tier_id, first.updated_at) == (60_000, oven.id, later)
    assert (campaign.pledged_amount, campaign.backers_count, oven.taken) == (60_000, 1, 1)
    assert campaign.events[-1] == PledgeChanged(
        campaign_id=campaign.id,
        occurred_at=later,
        pledge_id=first.id,
        backer_id=backer,
        amount=60_000,
        currency="EUR",
        tier_id=oven.id,
        previous_amount=2_000,
        previous_tier_id=None,
        # Named, so the mails about it need not know the campaign's tiers.
        tier_name=oven.name,
        previous_tier_name=None,
    )


def test_pledging_the_same_again_is_refused_too(world: World) -> None:
    campaign = world.live()
    backer = uuid.uuid4()
    first = campaign.pledge(backer, 2_000, now=world.now)
    campaign.events.clear()
    with pytest.raises(AlreadyPledged):
        campaign.pledge(backer, 2_000, now=world.now, existing=first)
    assert campaign.events == []
    assert (campaign.pledged_amount, campaign.backers_count) == (2_000, 1)


def test_someone_elses_pledge_cannot_be_the_existing_one(world: World) -> None:
    campaign = world.live()
    theirs = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    with pytest.raises(NotPledgeBacker):
        campaign.pledge(uuid.uuid4(), 9_000, now=world.now, existing=theirs)
    assert (theirs.amount, campaign.pledged_amount) == (2_000, 2_000)


def test_change_amount_keeps_the_tier(world: World) -> None:
    campaign = world.live()
    sticker = campaign.tiers[0]
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=sticker.id)
    campaign.events.clear()

    campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=3_000)

    assert (pledge.amount, pledge.tier_id, sticker.taken) == (3_000, sticker.id, 1)
    assert campaign.pledged_amount == 3_000
    [event] = campaign.events
    assert isinstance(event, PledgeChanged)
    assert (event.amount, event.previous_amount) == (3_000, 2_000)
    assert event.tier_id == event.previous_tier_id == sticker.id


def test_change_to_no_tier(world: World) -> None:
    campaign = world.live()
    sticker = campaign.tiers[0]
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=sticker.id)
    campaign.change_pledge(pledge, pledge.backer_id, now=world.now, tier_id=None)
    assert (pledge.tier_id, sticker.taken, pledge.amount) == (None, 0, 2_000)


def test_changing_to_a_tier_needs_its_minimum(world: World) -> None:
    campaign = world.live()
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    oven = campaign.tiers[1]
    with pytest.raises(BelowTierMinimum) as refused:
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, tier_id=oven.id)
    assert refused.value.field == "amount"
    assert (pledge.tier_id, oven.taken) == (None, 0)


def test_lowering_the_amount_below_the_tiers_minimum_is_refused(world: World) -> None:
    campaign = world.live()
    sticker = campaign.tiers[0]
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=sticker.id)
    with pytest.raises(BelowTierMinimum):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=999)
    assert pledge.amount == 2_000


def test_a_change_that_changes_nothing_records_nothing(world: World) -> None:
    campaign = world.live()
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    campaign.events.clear()
    campaign.change_pledge(pledge, pledge.backer_id, now=world.now, tier_id=KEEP_TIER)
    campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=2_000)
    assert campaign.events == []


def test_cancel_withdraws_the_pledge(world: World) -> None:
    campaign = world.live()
    keep = campaign.pledge(uuid.uuid4(), 4_000, now=world.now)
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=campaign.tiers[0].id)
    campaign.events.clear()

    campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)

    assert pledge.status is PledgeStatus.CANCELLED
    assert (campaign.pledged_amount, campaign.backers_count) == (keep.amount, 1)
    assert campaign.events == [
        PledgeCancelled(
            campaign_id=campaign.id,
            occurred_at=world.now,
            pledge_id=pledge.id,
            backer_id=pledge.backer_id,
            amount=2_000,
            currency="EUR",
            tier_id=campaign.tiers[0].id,
        )
    ]


def test_after_cancelling_a_backer_may_pledge_anew(world: World) -> None:
    campaign = world.live()
    backer = uuid.uuid4()
    old = campaign.pledge(backer, 2_000, now=world.now)
    campaign.cancel_pledge(old, backer, now=world.now)
    new = campaign.pledge(backer, 3_000, now=world.now)
    assert new.id != old.id
    assert (campaign.pledged_amount, campaign.backers_count) == (3_000, 1)


def test_a_cancelled_pledge_cannot_be_changed_or_cancelled_again(world: World) -> None:
    campaign = world.live()
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)
    campaign.events.clear()
    with pytest.raises(PledgeNotActive):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=5_000)
    with pytest.raises(PledgeNotActive):
        campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)
    with pytest.raises(PledgeNotActive):
        campaign.pledge(pledge.backer_id, 5_000, now=world.now, existing=pledge)
    assert (campaign.pledged_amount, campaign.backers_count, campaign.events) == (0, 0, [])


def test_only_the_backer_may_change_or_cancel_a_pledge(world: World) -> None:
    campaign = world.live()
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    stranger = uuid.uuid4()
    with pytest.raises(NotPledgeBacker):
        campaign.change_pledge(pledge, stranger, now=world.now, amount=1_000)
    with pytest.raises(NotPledgeBacker):
        campaign.cancel_pledge(pledge, stranger, now=world.now)
    # Not even the campaign's creator.
    with pytest.raises(NotPledgeBacker):
        campaign.cancel_pledge(pledge, world.creator_id, now=world.now)
    assert (pledge.status, pledge.amount) == (PledgeStatus.PLEDGED, 2_000)


def test_a_pledge_of_another_campaign_is_a_programming_error(world: World) -> None:
    campaign, other = world.live(), world.live()
    pledge = other.pledge(uuid.uuid4(), 2_000, now=world.now)
    with pytest.raises(ValueError, match="another campaign"):
        campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)


def test_unknown_tier(world: World) -> None:
    campaign = world.live()
    with pytest.raises(UnknownTier) as refused:
        campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=uuid.uuid4())
    assert refused.value.field == "tier_id"
    other_campaigns_tier = world.live().tiers[0].id
    with pytest.raises(UnknownTier):
        campaign.pledge(uuid.uuid4(), 2_000, now=world.now, tier_id=other_campaigns_tier)
    assert campaign.backers_count == 0


def test_the_tier_minimum_itself_is_enough(world: World) -> None:
    campaign = world.live()
    oven = campaign.tiers[1]
    campaign.pledge(uuid.uuid4(), oven.min_amount, now=world.now, tier_id=oven.id)
    with pytest.raises(BelowTierMinimum):
        campaign.pledge(uuid.uuid4(), oven.min_amount - 1, now=world.now, tier_id=oven.id)
    assert oven.taken == 1


@pytest.mark.parametrize("amount", [0, -100, True, 2.5, "100", None, 10**12 + 1])
def test_bad_amounts_are_refused(world: World, amount: Any) -> None:
    campaign = world.live()
    with pytest.raises(InvalidAmount) as refused:
        campaign.pledge(uuid.uuid4(), amount, now=world.now)
    assert refused.value.field == "amount"
    pledge = campaign.pledge(uuid.uuid4(), 1_000, now=world.now)
    if amount is not None:  # change_pledge reads None as "keep the amount"
        with pytest.raises(InvalidAmount):
            campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=amount)
    assert (campaign.pledged_amount, campaign.backers_count) == (1_000, 1)


def test_pledges_close_at_the_deadline(world: World) -> None:
    campaign = world.live()
    pledge = campaign.pledge(uuid.uuid4(), 2_000, now=world.now)
    just_before = world.deadline - timedelta(microseconds=1)
    campaign.pledge(uuid.uuid4(), 1_000, now=just_before)
    campaign.events.clear()
    with pytest.raises(DeadlinePassed):
        campaign.pledge(uuid.uuid4(), 1_000, now=world.deadline)
    with pytest.raises(DeadlinePassed):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.deadline, amount=5_000)
    with pytest.raises(DeadlinePassed):
        campaign.cancel_pledge(pledge, pledge.backer_id, now=world.deadline)
    assert (campaign.pledged_amount, campaign.events) == (3_000, [])


def test_nothing_moves_once_the_campaign_is_no_longer_live(world: World) -> None:
    campaign, [pledge] = world.backed([2_000])
    campaign.cancel(world.creator_id, now=world.now, pledges=[pledge], gateway=world.gateway)
    campaign.events.clear()
    with pytest.raises(CampaignNotLive):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=5_000)
    with pytest.raises(CampaignNotLive):
        campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)
    assert campaign.events == []


def test_public_view_figures(world: World) -> None:
    campaign, _ = world.backed([30_000, 45_000], goal_amount=60_000)
    assert campaign.share_of_goal == Fraction(75_000, 60_000)
    assert campaign.time_left(world.now) == timedelta(days=30)
    assert campaign.time_left(world.after_deadline) == timedelta(0)
    assert not campaign.is_due(world.now)
    assert campaign.is_due(world.deadline)
