"""Settlement after the deadline: who may settle, the two funding models, and idempotence."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from services.pledges.domain import (
    CampaignFailed,
    CampaignStatus,
    CampaignSucceeded,
    CollectionRequest,
    NotCampaignCreator,
    NotYetDue,
    Pledge,
    PledgeCollected,
    PledgeReleased,
    PledgeStatus,
    RecordOnlyGateway,
)

if TYPE_CHECKING:
    from conftest import World

GOAL = 100_000


@pytest.mark.parametrize(
    ("amounts", "succeeds"),
    [
        ([40_000, 59_999], False),  # one cent short
        ([40_000, 60_000], True),  # exactly the goal
        ([40_000, 60_000, 1], True),  # above the goal
        ([], False),  # nobody pledged
    ],
)
def test_all_or_nothing_collects_only_when_the_goal_is_reached(
    world: World, amounts: list[int], succeeds: bool
) -> None:
    campaign, pledges = world.backed(amounts, goal_amount=GOAL)

    assert campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)

    expected = PledgeStatus.COLLECTED if succeeds else PledgeStatus.RELEASED
    assert campaign.status is (CampaignStatus.SUCCEEDED if succeeds else CampaignStatus.FAILED)
    assert [p.status for p in pledges] == [expected] * len(amounts)
    kind = "collection" if succeeds else "release"
    assert [(r.kind, r.pledge_id) for r in world.gateway.receipts] == [
        (kind, p.id) for p in pledges
    ]


@pytest.mark.parametrize("amounts", [[], [1], [40_000, 60_000], [GOAL * 3]])
def test_flexible_always_collects(world: World, amounts: list[int]) -> None:
    campaign, pledges = world.backed(amounts, goal_amount=GOAL, funding_model="flexible")
    campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)
    assert campaign.status is CampaignStatus.SUCCEEDED
    assert all(p.status is PledgeStatus.COLLECTED for p in pledges)


def test_success_records_the_outcome_then_each_collection(world: World) -> None:
    campaign, pledges = world.backed([30_000, 70_000], goal_amount=GOAL)
    at = world.after_deadline

    campaign.settle(pledges, world.gateway, now=at, actor_id=world.creator_id)

    outcome, *collected = campaign.events
    assert isinstance(outcome, CampaignSucceeded)
    assert (outcome.campaign_id, outcome.occurred_at, outcome.creator_id) == (
        campaign.id,
        at,
        world.creator_id,
    )
    assert (outcome.pledged_amount, outcome.backers_count, outcome.goal_amount) == (
        100_000,
        2,
        GOAL,
    )
    assert collected == [
        PledgeCollected(
            campaign_id=campaign.id,
            occurred_at=at,
            pledge_id=p.id,
            backer_id=p.backer_id,
            amount=p.amount,
            currency="EUR",
            tier_id=None,
            payment_reference=receipt.reference,
        )
        for p, receipt in zip(pledges, world.gateway.receipts, strict=True)
    ]
    assert [p.payment_reference for p in pledges] == [r.reference for r in world.gateway.receipts]
    assert campaign.ended_at == at


def test_failure_records_the_outcome_then_each_release(world: World) -> None:
    campaign, pledges = world.backed([30_000], goal_amount=GOAL)
    campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)

    outcome, released = campaign.events
    assert isinstance(outcome, CampaignFailed)
    assert (outcome.pledged_amount, outcome.backers_count) == (30_000, 1)
    assert isinstance(released, PledgeReleased)
    assert (released.pledge_id, released.amount) == (pledges[0].id, 30_000)


@pytest.mark.parametrize("amounts", [[GOAL], [GOAL - 1]])
def test_settling_twice_changes_nothing_and_records_nothing(
    world: World, amounts: list[int]
) -> None:
    campaign, pledges = world.backed(amounts, goal_amount=GOAL)
    assert campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)
    status, ended_at = campaign.status, campaign.ended_at
    campaign.events.clear()
    receipts = list(world.gateway.receipts)

    later = world.after_deadline + timedelta(days=3)
    # The second call typically gets no active pledges: the first settled them all.
    assert not campaign.settle([], world.gateway, now=later, actor_id=world.creator_id)

    assert (campaign.status, campaign.ended_at) == (status, ended_at)
    assert campaign.events == []
    assert world.gateway.receipts == receipts


def test_settling_before_the_deadline_is_refused(world: World) -> None:
    campaign, pledges = world.backed([GOAL])
    just_before = world.deadline - timedelta(microseconds=1)
    with pytest.raises(NotYetDue):
        campaign.settle(pledges, world.gateway, now=just_before, actor_id=None)
    assert campaign.status is CampaignStatus.LIVE
    assert [p.status for p in pledges] == [PledgeStatus.PLEDGED]
    assert world.gateway.receipts == []


def test_the_deadline_itself_is_due(world: World) -> None:
    campaign, pledges = world.backed([GOAL])
    assert campaign.settle(pledges, world.gateway, now=world.deadline, actor_id=None)


def test_the_creator_or_an_admin_may_settle(world: World) -> None:
    by_creator, p1 = world.backed([GOAL])
    by_admin, p2 = world.backed([GOAL])
    by_creator.settle(p1, world.gateway, now=world.after_deadline, actor_id=world.creator_id)
    by_admin.settle(
        p2, world.gateway, now=world.after_deadline, actor_id=uuid.uuid4(), is_admin=True
    )
    assert by_creator.status is by_admin.status is CampaignStatus.SUCCEEDED


def test_nobody_else_may_settle_even_a_settled_campaign(world: World) -> None:
    campaign, pledges = world.backed([GOAL])
    stranger = uuid.uuid4()
    with pytest.raises(NotCampaignCreator):
        campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=stranger)
    assert campaign.status is CampaignStatus.LIVE
    campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)
    with pytest.raises(NotCampaignCreator):
        campaign.settle([], world.gateway, now=world.after_deadline, actor_id=stranger)


def test_settlement_needs_every_active_pledge(world: World) -> None:
    campaign, pledges = world.backed([GOAL, 5_000])
    with pytest.raises(ValueError, match="active pledges"):
        campaign.settle(pledges[:1], world.gateway, now=world.after_deadline, actor_id=None)
    with pytest.raises(ValueError, match="active pledges"):
        campaign.settle(
            [pledges[0], pledges[0]], world.gateway, now=world.after_deadline, actor_id=None
        )
    assert campaign.status is CampaignStatus.LIVE
    assert world.gateway.receipts == []


class FailingGateway(RecordOnlyGateway):
    """Collects the first pledge, then fails, as a processor might half-way through."""

    def request_collection(self, pledge: Pledge, attempt: int) -> CollectionRequest:
        if self.receipts:
            raise ConnectionError("processor unavailable")
        return super().request_collection(pledge, attempt)


def test_a_gateway_failure_leaves_campaign_and_pledges_as_they_were(world: World) -> None:
    campaign, pledges = world.backed([60_000, 40_000])
    with pytest.raises(ConnectionError):
        campaign.settle(pledges, FailingGateway(), now=world.after_deadline, actor_id=None)
    assert campaign.status is CampaignStatus.LIVE
    assert [p.status for p in pledges] == [PledgeStatus.PLEDGED] * 2
    assert campaign.events == []


def test_tallies_stay_as_they_were_at_the_end(world: World) -> None:
    campaign, pledges = world.backed([60_000, 40_000])
    campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=None)
    assert (campaign.pledged_amount, campaign.backers_count) == (100_000, 2)
