"""The pledges handlers on a unit of work in memory: what they change and what they publish.

No database: the fake unit of work keeps committed state in dicts and records the envelopes the
real one would write to the outbox, through the real wire form.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from services.pledges import commands, handlers
from services.pledges.domain import (
    AlreadyPledged,
    CampaignNotLive,
    CampaignStatus,
    PledgeStatus,
    RecordOnlyGateway,
    RefundExceedsCollected,
)
from tests.unit.pledges.conftest import GOAL, NOW, World
from tests.unit.pledges.fake_unit_of_work import FakePledgesUnitOfWork

AFTER_DEADLINE = NOW + timedelta(days=31)


def at(moment: datetime) -> handlers.Clock:
    return lambda: moment


@pytest.fixture
def uow() -> FakePledgesUnitOfWork:
    return FakePledgesUnitOfWork()


def create_command(world: World, **terms: object) -> commands.CreateCampaign:
    draft = {k: v for k, v in world.terms(**terms).items() if k != "now"}
    draft["tiers"], draft["budget"] = tuple(draft["tiers"]), tuple(draft["budget"])
    return commands.CreateCampaign(**draft)


def launched(world: World, uow: FakePledgesUnitOfWork, **terms: object) -> uuid.UUID:
    """A live campaign made through the handlers, with what that published forgotten."""
    campaign = handlers.create_campaign(create_command(world, **terms), uow, at(NOW))
    handlers.launch_campaign(commands.LaunchCampaign(campaign.id, world.creator_id), uow, at(NOW))
    uow.published.clear()
    return campaign.id


def pledge(
    uow: FakePledgesUnitOfWork, campaign_id: uuid.UUID, amount: int
) -> handlers.PledgeAnswer:
    """A pledge from a new backer."""
    command = commands.MakePledge(campaign_id=campaign_id, backer_id=uuid.uuid4(), amount=amount)
    return handlers.make_pledge(command, uow, at(NOW))


def test_creating_and_launching_publish_the_campaign_s_events(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign = handlers.create_campaign(create_command(world), uow, at(NOW))
    handlers.launch_campaign(commands.LaunchCampaign(campaign.id, world.creator_id), uow, at(NOW))

    assert uow.campaign(campaign.id).status is CampaignStatus.LIVE
    assert uow.event_types() == ["campaign.created", "campaign.launched"]
    topic, launched_event = uow.published[-1]
    assert topic == "pledges.events"
    assert launched_event.campaign_id == campaign.id
    assert launched_event.payload["status"] == "live"
    assert launched_event.payload["goal_amount"] == GOAL


def test_an_edit_that_changes_nothing_commits_and_publishes_nothing(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign = handlers.create_campaign(create_command(world), uow, at(NOW))
    commits = uow.commits

    handlers.update_campaign(
        commands.UpdateCampaign(campaign.id, world.creator_id, title=campaign.title), uow, at(NOW)
    )

    assert uow.commits == commits
    assert uow.event_types() == ["campaign.created"]


def test_making_a_pledge_stores_it_counts_it_and_publishes_it(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign_id = launched(world, uow)

    answer = pledge(uow, campaign_id, 2_500)

    assert answer.created and not answer.replayed
    stored = uow.pledge(answer.pledge.id)
    assert (stored.amount, stored.status) == (2_500, PledgeStatus.PLEDGED)
    campaign = uow.campaign(campaign_id)
    assert (campaign.pledged_amount, campaign.backers_count) == (2_500, 1)
    [(_, created)] = uow.published
    assert created.type == "pledge.created"
    assert created.payload["pledge_id"] == answer.pledge.id
    assert created.payload["amount"] == 2_500


def test_pledging_again_is_refused_and_leaves_the_first_pledge_as_it_was(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    # Pledging again used to change the first pledge; a second form must not erase it.
    campaign_id = launched(world, uow)
    backer_id = uuid.uuid4()
    first = handlers.make_pledge(commands.MakePledge(campaign_id, backer_id, 2_500), uow, at(NOW))

    with pytest.raises(AlreadyPledged) as refused:
        handlers.make_pledge(commands.MakePledge(campaign_id, backer_id, 4_000), uow, at(NOW))

    assert refused.value.facts == {
        "pledge_id": str(first.pledge.id),
        "amount": 2_500,
        "currency": "EUR",
        "tier_id": None,
    }
    assert uow.pledge(first.pledge.id).amount == 2_500
    assert uow.campaign(campaign_id).pledged_amount == 2_500
    assert uow.event_types() == ["pledge.created"]


def test_a_retry_with_the_same_key_replays_the_first_outcome_and_publishes_nothing(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign_id = launched(world, uow)
    backer_id = uuid.uuid4()
    key = commands.IdempotencyKey("key-1", "hash-of-the-request")
    command = commands.MakePledge(campaign_id, backer_id, 2_500, idempotency=key)
    first = handlers.make_pledge(command, uow, at(NOW))

    retry = handlers.make_pledge(command, uow, at(NOW + timedelta(minutes=1)))

    assert retry.replayed and retry.created
    assert retry.pledge.id == first.pledge.id
    assert retry.pledge.updated_at == first.pledge.updated_at
    assert uow.campaign(campaign_id).pledged_amount == 2_500
    assert uow.event_types() == ["pledge.created"]


def test_settling_a_funded_campaign_collects_every_pledge_once(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign_id = launched(world, uow)
    answers = [pledge(uow, campaign_id, GOAL // 2) for _ in range(2)]
    uow.published.clear()
    gateway = RecordOnlyGateway()
    command = commands.SettleCampaign(campaign_id, actor_id=world.creator_id)

    settlement = handlers.settle_campaign(command, uow, gateway, at(AFTER_DEADLINE))
    again = handlers.settle_campaign(command, uow, gateway, at(AFTER_DEADLINE))

    assert settlement.settled and not again.settled
    assert uow.campaign(campaign_id).status is CampaignStatus.SUCCEEDED
    assert all(uow.pledge(a.pledge.id).status is PledgeStatus.COLLECTED for a in answers)
    assert uow.event_types() == ["campaign.succeeded", "pledge.collected", "pledge.collected"]
    collected = [envelope.payload for _, envelope in uow.published[1:]]
    assert {p["pledge_id"] for p in collected} == {a.pledge.id for a in answers}
    assert [receipt.kind for receipt in gateway.receipts] == ["collection", "collection"]


def test_settle_due_settles_only_campaigns_past_their_deadline(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    due = launched(world, uow)
    later = launched(world, uow, deadline=NOW + timedelta(days=60))
    pledge(uow, due, 1_000)
    pledge(uow, later, 1_000)
    uow.published.clear()

    done = handlers.settle_due(lambda: uow, RecordOnlyGateway, at(AFTER_DEADLINE))

    assert [s.campaign.id for s in done] == [due]
    assert uow.campaign(due).status is CampaignStatus.FAILED  # 1,000 of 100,000
    assert uow.campaign(later).status is CampaignStatus.LIVE
    assert uow.event_types() == ["campaign.failed", "pledge.released"]


def test_a_refund_returns_part_of_a_collected_pledge_and_publishes_it(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign_id = launched(world, uow, funding_model="flexible")
    answer = pledge(uow, campaign_id, 3_000)
    settle = commands.SettleCampaign(campaign_id, actor_id=world.creator_id)
    handlers.settle_campaign(settle, uow, RecordOnlyGateway(), at(AFTER_DEADLINE))
    uow.published.clear()

    refunded = handlers.refund_pledge(
        commands.RefundPledge(answer.pledge.id, world.creator_id, "damaged in transit", 1_000),
        uow,
        RecordOnlyGateway(),
        at(AFTER_DEADLINE),
    )

    assert refunded.refunded_amount == 1_000
    assert uow.pledge(answer.pledge.id).refunded_amount == 1_000
    [(_, event)] = uow.published
    assert event.type == "pledge.refunded"
    assert event.payload["amount"] == 1_000


def test_a_refused_refund_changes_and_publishes_nothing(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign_id = launched(world, uow, funding_model="flexible")
    answer = pledge(uow, campaign_id, 3_000)
    settle = commands.SettleCampaign(campaign_id, actor_id=world.creator_id)
    handlers.settle_campaign(settle, uow, RecordOnlyGateway(), at(AFTER_DEADLINE))
    uow.published.clear()
    command = commands.RefundPledge(answer.pledge.id, world.creator_id, "too much", 3_001)

    with pytest.raises(RefundExceedsCollected):
        handlers.refund_pledge(command, uow, RecordOnlyGateway(), at(AFTER_DEADLINE))

    assert uow.pledge(answer.pledge.id).refunded_amount == 0
    assert uow.published == []


def test_a_pledge_refused_by_the_campaign_leaves_no_trace(
    world: World, uow: FakePledgesUnitOfWork
) -> None:
    campaign = handlers.create_campaign(create_command(world), uow, at(NOW))
    uow.published.clear()

    with pytest.raises(CampaignNotLive):
        pledge(uow, campaign.id, 2_500)

    assert uow.campaign(campaign.id).pledged_amount == 0
    assert uow.published == []
