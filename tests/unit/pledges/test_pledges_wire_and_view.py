"""Without I/O: every domain event becomes a valid `pledges.events` envelope carrying what
consumers need, and the public campaign view's share of the goal and countdown are exact."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from services.pledges.adapters.events import PLEDGE_TOPIC, to_envelope
from services.pledges.api.context import campaign_view
from services.pledges.domain import Campaign, CampaignStatus, Event
from shared.events import decode, encode

if TYPE_CHECKING:
    from conftest import World


def every_kind_of_event(world: World) -> list[Event]:
    """A succeeded campaign's whole life, plus a failed and a cancelled one."""
    campaign = world.draft()
    campaign.events.clear()
    campaign.update(world.creator_id, now=world.now, title="New title")
    campaign.launch(world.creator_id, now=world.now)
    oven = campaign.tiers[1].id
    first = campaign.pledge(uuid.uuid4(), 60_000, now=world.now, tier_id=oven)
    second = campaign.pledge(uuid.uuid4(), 50_000, now=world.now)
    gone = campaign.pledge(uuid.uuid4(), 1_000, now=world.now)
    campaign.change_pledge(second, second.backer_id, now=world.now, amount=55_000)
    campaign.cancel_pledge(gone, gone.backer_id, now=world.now)
    campaign.settle(
        [first, second], world.gateway, now=world.after_deadline, actor_id=world.creator_id
    )
    campaign.refund(
        first,
        world.creator_id,
        reason="Late",
        gateway=world.gateway,
        now=world.after_deadline,
        amount=5_000,
    )

    failed, failed_pledges = world.backed([1_000])
    failed.settle(failed_pledges, world.gateway, now=world.after_deadline, actor_id=None)
    cancelled, cancelled_pledges = world.backed([2_000])
    cancelled.cancel(
        world.creator_id, now=world.now, pledges=cancelled_pledges, gateway=world.gateway
    )
    drafted = Campaign.create(**world.terms())  # world.draft() clears the created event
    return [*drafted.events, *campaign.events, *failed.events, *cancelled.events]


def test_every_event_type_goes_on_the_wire_valid_and_keyed_by_its_campaign(
    world: World,
) -> None:
    events = every_kind_of_event(world)
    envelopes = [to_envelope(event) for event in events]
    assert {e.type for e in envelopes} == {
        "campaign.created",
        "campaign.updated",
        "campaign.launched",
        "campaign.succeeded",
        "campaign.failed",
        "campaign.cancelled",
        "pledge.created",
        "pledge.changed",
        "pledge.cancelled",
        "pledge.collected",
        "pledge.released",
        "pledge.refunded",
    }
    for event, envelope in zip(events, envelopes, strict=True):
        back = decode(encode(envelope))  # the shared schema checks every field
        assert back.key == str(event.campaign_id)
        assert back.occurred_at == event.occurred_at
        assert back.producer == "pledges"
        if back.type.startswith("pledge."):
            assert {"pledge_id", "backer_id", "amount", "currency", "tier_id"} <= set(back.payload)
            assert back.payload["backer_id"] == event.backer_id  # type: ignore[attr-defined]
    assert PLEDGE_TOPIC == "pledges.events"


def test_campaign_events_carry_the_status_they_leave_behind(world: World) -> None:
    statuses = {}
    for event in every_kind_of_event(world):
        envelope = to_envelope(event)
        if envelope.type.startswith("campaign."):
            statuses[envelope.type] = envelope.payload["status"]
    assert statuses == {
        "campaign.created": "draft",
        "campaign.updated": "draft",
        "campaign.launched": "live",
        "campaign.succeeded": "succeeded",
        "campaign.failed": "failed",
        "campaign.cancelled": "cancelled",
    }


@pytest.mark.parametrize(
    ("pledged", "goal", "percent"),
    [
        (0, 100_000, 0),
        (99_999, 100_000, 99),
        (100_000, 100_000, 100),
        (1, 3, 33),
        (2, 3, 66),
        (250_001, 100_000, 250),
    ],
)
def test_the_share_of_the_goal_is_a_whole_percent_rounded_down(
    world: World, pledged: int, goal: int, percent: int
) -> None:
    campaign = world.live(goal_amount=goal, tiers=[])
    if pledged:
        campaign.pledge(uuid.uuid4(), pledged, now=world.now)
    view = campaign_view(campaign, world.now)
    assert view["funded_percent"] == percent
    assert type(view["funded_percent"]) is int


def test_time_left_counts_whole_seconds_until_the_deadline_and_stops_at_zero(
    world: World,
) -> None:
    campaign = world.live()
    assert campaign_view(campaign, world.now)["seconds_left"] == 30 * 24 * 3600
    just_before = world.deadline - timedelta(seconds=1, microseconds=1)
    assert campaign_view(campaign, just_before)["seconds_left"] == 1
    assert campaign_view(campaign, world.after_deadline)["seconds_left"] == 0


@pytest.mark.parametrize(
    "status", [CampaignStatus.CANCELLED, CampaignStatus.SUCCEEDED, CampaignStatus.FAILED]
)
def test_an_ended_campaign_has_no_time_left_even_before_its_deadline(
    world: World, status: CampaignStatus
) -> None:
    campaign, _ = world.in_status(status)
    assert campaign_view(campaign, world.now)["seconds_left"] == 0


def test_the_view_names_no_backer(world: World) -> None:
    campaign, pledges = world.backed([1_000, 2_000])
    rendered = repr(campaign_view(campaign, world.now))
    assert not any(str(p.backer_id) in rendered or str(p.id) in rendered for p in pledges)
