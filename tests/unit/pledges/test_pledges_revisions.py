"""A launched campaign's words revised in the domain: what changes, what never does, and the
events it leaves (issue 18)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from services.pledges.domain import Campaign, CampaignStatus, TierSpec
from services.pledges.domain.errors import (
    CampaignNotLive,
    InvalidDeliveryMonth,
    LockedAfterLaunch,
    NotCampaignCreator,
)
from services.pledges.domain.events import CampaignRevised
from services.pledges.domain.rules import TermsRefused
from tests.unit.pledges.conftest import World


def _specs(campaign: Campaign, **second: Any) -> list[TierSpec]:
    first, oven = campaign.tiers
    return [
        TierSpec(first.name, first.min_amount, first.limit, id=first.id),
        TierSpec(
            **{
                "name": oven.name,
                "min_amount": oven.min_amount,
                "limit": oven.limit,
                "id": oven.id,
                **second,
            }
        ),
    ]


def test_the_story_and_a_tiers_words_change_and_one_event_says_so(world: World) -> None:
    campaign = world.live()
    month = (world.deadline + timedelta(days=40)).strftime("%Y-%m")
    later = world.now + timedelta(hours=1)

    changed = campaign.revise(
        world.creator_id,
        now=later,
        description="A bigger oven.",
        tiers=_specs(campaign, description="Your name on the oven.", delivery_month=month),
    )

    assert changed and campaign.description == "A bigger oven."
    assert (campaign.tiers[1].description, campaign.tiers[1].delivery_month) == (
        "Your name on the oven.",
        month,
    )
    assert campaign.revised_at == later and campaign.status is CampaignStatus.LIVE
    [event] = campaign.events
    assert isinstance(event, CampaignRevised) and event.status == "live"
    assert event.tiers[1].description == "Your name on the oven."
    # The same words again change nothing and say nothing.
    campaign.events.clear()
    assert not campaign.revise(world.creator_id, now=later, description="A bigger oven.")
    assert campaign.events == []


def test_what_backers_pledged_on_never_changes(world: World) -> None:
    campaign, _ = world.backed([50_000, 50_000])
    before = (campaign.goal_amount, campaign.deadline, [t.terms for t in campaign.tiers])
    for locked in (
        {"goal_amount": 1},
        {"currency": "USD"},
        {"deadline": world.deadline + timedelta(days=1)},
        {"funding_model": "flexible"},
        {"budget": ()},
    ):
        with pytest.raises(LockedAfterLaunch) as refused:
            campaign.revise(world.creator_id, now=world.now, description="x", locked=locked)
        assert refused.value.field == next(iter(locked))
    with pytest.raises(LockedAfterLaunch) as refused:
        campaign.revise(world.creator_id, now=world.now, tiers=_specs(campaign, min_amount=100))
    assert refused.value.field == "tiers[1].min_amount"
    with pytest.raises(LockedAfterLaunch):
        campaign.revise(world.creator_id, now=world.now, tiers=_specs(campaign)[:1])
    # Unchanged values are no change: a form may send them back as they are.
    campaign.revise(world.creator_id, now=world.now, locked={"goal_amount": campaign.goal_amount})
    assert (campaign.goal_amount, campaign.deadline, [t.terms for t in campaign.tiers]) == before
    assert campaign.events == []


def test_a_limit_may_change_but_never_below_the_places_taken(world: World) -> None:
    campaign = world.live()
    oven = campaign.tiers[1]
    for _ in range(2):
        campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)
    with pytest.raises(TermsRefused) as refused:
        campaign.revise(world.creator_id, now=world.now, tiers=_specs(campaign, limit=1))
    assert "tiers[1].limit" in refused.value.errors
    assert campaign.tiers[1].limit == 2
    assert campaign.revise(world.creator_id, now=world.now, tiers=_specs(campaign, limit=5))
    assert campaign.tiers[1].limit == 5 and campaign.tiers[1].taken == 2


def test_a_month_before_the_deadline_others_and_drafts_are_refused(world: World) -> None:
    campaign = world.live()
    with pytest.raises(InvalidDeliveryMonth):
        campaign.revise(
            world.creator_id, now=world.now, tiers=_specs(campaign, delivery_month="2000-01")
        )
    with pytest.raises(NotCampaignCreator):
        campaign.revise(uuid.uuid4(), now=world.now, description="Mine")
    with pytest.raises(CampaignNotLive):
        world.draft().revise(world.creator_id, now=world.now, description="Draft")
    assert campaign.events == [] and campaign.revised_at is None
