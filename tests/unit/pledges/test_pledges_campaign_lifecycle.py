"""Campaign lifecycle: drafting, editing, launching, cancelling, and the state machine."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from services.pledges.domain import (
    BudgetLine,
    Campaign,
    CampaignCancelled,
    CampaignCreated,
    CampaignEnded,
    CampaignLaunched,
    CampaignNotDraft,
    CampaignNotLive,
    CampaignStatus,
    CampaignUpdated,
    DeadlineInPast,
    DeadlinePassed,
    FundingModel,
    InvalidAmount,
    NotCampaignCreator,
    Pledge,
    PledgeReleased,
    PledgeStatus,
    TierSpec,
    TierTerms,
)

if TYPE_CHECKING:
    from conftest import World


def test_create_drafts_a_campaign_and_records_every_term(world: World) -> None:
    campaign = Campaign.create(**world.terms(title="  Solar oven  "))

    assert campaign.status is CampaignStatus.DRAFT
    assert campaign.title == "Solar oven"  # surrounding whitespace is not part of a title
    assert (campaign.pledged_amount, campaign.backers_count) == (0, 0)
    assert [(t.name, t.min_amount, t.limit, t.taken) for t in campaign.tiers] == [
        ("Sticker", 1_000, None, 0),
        ("Oven", 50_000, 2, 0),
    ]
    assert campaign.events == [
        CampaignCreated(
            campaign_id=campaign.id,
            occurred_at=world.now,
            creator_id=world.creator_id,
            title="Solar oven",
            description="We build a **solar oven**.\n\nEveryone eats.",
            currency="EUR",
            goal_amount=100_000,
            funding_model=FundingModel.ALL_OR_NOTHING,
            deadline=world.deadline,
            budget=(BudgetLine("parts", 60_000), BudgetLine("shipping", 10_000)),
            tiers=(
                TierTerms(id=campaign.tiers[0].id, name="Sticker", min_amount=1_000, limit=None),
                TierTerms(id=campaign.tiers[1].id, name="Oven", min_amount=50_000, limit=2),
            ),
        )
    ]


def test_create_uses_a_given_id_and_makes_fresh_ones_otherwise(world: World) -> None:
    chosen = uuid.uuid4()
    assert Campaign.create(**world.terms(), campaign_id=chosen).id == chosen
    assert Campaign.create(**world.terms()).id != Campaign.create(**world.terms()).id


def test_deadline_is_kept_in_utc(world: World) -> None:
    from datetime import timezone

    paris_winter = timezone(timedelta(hours=1))
    campaign = world.draft(deadline=world.deadline.astimezone(paris_winter))
    assert campaign.deadline == world.deadline
    assert campaign.deadline.utcoffset() == timedelta(0)


def test_update_changes_a_draft_and_records_the_whole_new_version(world: World) -> None:
    campaign = world.draft()
    later = world.now + timedelta(hours=1)

    campaign.update(world.creator_id, now=later, title="Bigger oven", goal_amount=150_000)

    assert (campaign.title, campaign.goal_amount) == ("Bigger oven", 150_000)
    assert campaign.updated_at == later
    [event] = campaign.events
    assert isinstance(event, CampaignUpdated)
    assert (event.title, event.goal_amount, event.occurred_at) == ("Bigger oven", 150_000, later)
    # Terms not named stay as they were, and the event still carries them.
    assert (event.currency, event.deadline, event.description) == (
        "EUR",
        world.deadline,
        campaign.description,
    )


def test_update_keeps_tier_ids_given_back_and_makes_new_ones(world: World) -> None:
    campaign = world.draft()
    sticker = campaign.tiers[0]

    campaign.update(
        world.creator_id,
        now=world.now,
        tiers=[TierSpec("Sticker pack", 1_500, id=sticker.id), TierSpec("Mug", 2_000, limit=10)],
    )

    assert campaign.tiers[0].id == sticker.id
    assert campaign.tiers[0].name == "Sticker pack"
    assert campaign.tiers[1].id not in {sticker.id}
    assert [t.name for t in campaign.tiers] == ["Sticker pack", "Mug"]


def test_update_that_changes_nothing_records_nothing(world: World) -> None:
    campaign = world.draft()
    campaign.update(world.creator_id, now=world.now, title=campaign.title, currency="EUR")
    assert campaign.events == []


def test_refused_update_leaves_the_draft_as_it_was(world: World) -> None:
    campaign = world.draft()
    with pytest.raises(InvalidAmount):
        campaign.update(world.creator_id, now=world.now, title="New title", goal_amount=0)
    assert campaign.title == "Solar oven for the village school"
    assert campaign.events == []


def test_only_the_creator_may_edit(world: World) -> None:
    campaign = world.draft()
    with pytest.raises(NotCampaignCreator):
        campaign.update(uuid.uuid4(), now=world.now, title="Mine now")
    assert campaign.title == "Solar oven for the village school"


def test_launch_makes_a_draft_live(world: World) -> None:
    campaign = world.draft()
    campaign.launch(world.creator_id, now=world.now)

    assert campaign.status is CampaignStatus.LIVE
    assert campaign.launched_at == world.now
    [event] = campaign.events
    assert isinstance(event, CampaignLaunched)
    assert (event.campaign_id, event.creator_id, event.goal_amount) == (
        campaign.id,
        world.creator_id,
        100_000,
    )


def test_test_mode_is_decided_at_drafting_and_again_at_launch(world: World) -> None:
    # Unless told otherwise, a campaign is in test mode: no money moves.
    assert world.draft().test_mode is True
    campaign = Campaign.create(**world.terms(), test_mode=True)
    [created] = campaign.events
    assert isinstance(created, CampaignCreated) and created.test_mode is True

    campaign.launch(world.creator_id, now=world.now, test_mode=False)
    assert campaign.test_mode is False
    launched = campaign.events[-1]
    assert isinstance(launched, CampaignLaunched) and launched.test_mode is False
    # Every later event carries it, as it stands.
    campaign.cancel(world.creator_id, now=world.now)
    cancelled = campaign.events[-1]
    assert isinstance(cancelled, CampaignCancelled) and cancelled.test_mode is False


def test_a_draft_whose_deadline_passed_cannot_launch(world: World) -> None:
    campaign = world.draft()
    with pytest.raises(DeadlineInPast) as refused:
        campaign.launch(world.creator_id, now=world.deadline)
    assert refused.value.field == "deadline"
    assert campaign.status is CampaignStatus.DRAFT


def test_only_the_creator_may_launch(world: World) -> None:
    campaign = world.draft()
    with pytest.raises(NotCampaignCreator):
        campaign.launch(uuid.uuid4(), now=world.now)
    assert campaign.status is CampaignStatus.DRAFT


def test_cancelling_a_draft(world: World) -> None:
    campaign = world.draft()
    campaign.cancel(world.creator_id, now=world.now)

    assert campaign.status is CampaignStatus.CANCELLED
    assert campaign.ended_at == world.now
    [event] = campaign.events
    assert isinstance(event, CampaignCancelled)
    assert event.released_count == 0


def test_cancelling_a_live_campaign_releases_every_pledge(world: World) -> None:
    campaign, pledges = world.backed([2_000, 3_000])

    campaign.cancel(world.creator_id, now=world.now, pledges=pledges, gateway=world.gateway)

    assert campaign.status is CampaignStatus.CANCELLED
    assert [p.status for p in pledges] == [PledgeStatus.RELEASED] * 2
    assert [r.kind for r in world.gateway.receipts] == ["release", "release"]
    cancelled, *released = campaign.events
    assert isinstance(cancelled, CampaignCancelled)
    assert cancelled.released_count == 2
    assert released == [
        PledgeReleased(
            campaign_id=campaign.id,
            occurred_at=world.now,
            pledge_id=p.id,
            backer_id=p.backer_id,
            amount=p.amount,
            currency="EUR",
            tier_id=None,
            payment_reference=r.reference,
        )
        for p, r in zip(pledges, world.gateway.receipts, strict=True)
    ]


def test_cancelling_needs_every_active_pledge(world: World) -> None:
    campaign, pledges = world.backed([2_000, 3_000])
    with pytest.raises(ValueError, match="active pledges"):
        campaign.cancel(world.creator_id, now=world.now, pledges=pledges[:1], gateway=world.gateway)
    assert campaign.status is CampaignStatus.LIVE
    assert [p.status for p in pledges] == [PledgeStatus.PLEDGED] * 2


def test_a_live_campaign_past_its_deadline_is_settled_not_cancelled(world: World) -> None:
    campaign, pledges = world.backed([2_000])
    with pytest.raises(DeadlinePassed):
        campaign.cancel(
            world.creator_id, now=world.deadline, pledges=pledges, gateway=world.gateway
        )
    assert campaign.status is CampaignStatus.LIVE


def test_only_the_creator_may_cancel(world: World) -> None:
    campaign, pledges = world.backed([2_000])
    with pytest.raises(NotCampaignCreator):
        campaign.cancel(uuid.uuid4(), now=world.now, pledges=pledges, gateway=world.gateway)
    assert campaign.status is CampaignStatus.LIVE


# --- the campaign state machine: every operation from every state ------------------------------

ALLOWED = {
    ("edit", CampaignStatus.DRAFT): CampaignStatus.DRAFT,
    ("launch", CampaignStatus.DRAFT): CampaignStatus.LIVE,
    ("cancel", CampaignStatus.DRAFT): CampaignStatus.CANCELLED,
    ("cancel", CampaignStatus.LIVE): CampaignStatus.CANCELLED,
    ("settle", CampaignStatus.LIVE): CampaignStatus.SUCCEEDED,
}
REFUSED = {
    ("edit", CampaignStatus.LIVE): CampaignNotDraft,
    ("edit", CampaignStatus.SUCCEEDED): CampaignNotDraft,
    ("edit", CampaignStatus.FAILED): CampaignNotDraft,
    ("edit", CampaignStatus.CANCELLED): CampaignNotDraft,
    ("launch", CampaignStatus.LIVE): CampaignNotDraft,
    ("launch", CampaignStatus.SUCCEEDED): CampaignNotDraft,
    ("launch", CampaignStatus.FAILED): CampaignNotDraft,
    ("launch", CampaignStatus.CANCELLED): CampaignNotDraft,
    ("cancel", CampaignStatus.SUCCEEDED): CampaignEnded,
    ("cancel", CampaignStatus.FAILED): CampaignEnded,
    ("cancel", CampaignStatus.CANCELLED): CampaignEnded,
    ("settle", CampaignStatus.DRAFT): CampaignNotLive,
    ("settle", CampaignStatus.CANCELLED): CampaignNotLive,
    ("pledge", CampaignStatus.DRAFT): CampaignNotLive,
    ("pledge", CampaignStatus.SUCCEEDED): CampaignNotLive,
    ("pledge", CampaignStatus.FAILED): CampaignNotLive,
    ("pledge", CampaignStatus.CANCELLED): CampaignNotLive,
}
# Settling a settled campaign is neither: it answers "nothing to do" (see test_settlement).


def _operate(world: World, operation: str, campaign: Campaign, pledges: list[Pledge]) -> None:
    at = world.now
    if operation == "edit":
        campaign.update(world.creator_id, now=at, title="Edited")
    elif operation == "launch":
        campaign.launch(world.creator_id, now=at)
    elif operation == "cancel":
        active = [p for p in pledges if p.status is PledgeStatus.PLEDGED]
        campaign.cancel(world.creator_id, now=at, pledges=active, gateway=world.gateway)
    elif operation == "settle":
        campaign.settle(pledges, world.gateway, now=world.after_deadline, actor_id=world.creator_id)
    elif operation == "pledge":
        campaign.pledge(uuid.uuid4(), 1_000, now=at)


def test_the_tables_cover_every_operation_in_every_state() -> None:
    operations = {"edit", "launch", "cancel", "settle", "pledge"}
    settled = {("settle", CampaignStatus.SUCCEEDED), ("settle", CampaignStatus.FAILED)}
    pledging = {("pledge", CampaignStatus.LIVE)}  # covered in test_pledging
    everything = {(op, status) for op in operations for status in CampaignStatus}
    assert set(ALLOWED) | set(REFUSED) | settled | pledging == everything
    assert not set(ALLOWED) & set(REFUSED)


@pytest.mark.parametrize(("operation", "status"), sorted(ALLOWED))
def test_allowed_transitions(world: World, operation: str, status: CampaignStatus) -> None:
    campaign, pledges = world.in_status(status)
    if operation == "settle":  # the one pledge alone reaches the goal
        campaign, pledges = world.backed([campaign.goal_amount])
    _operate(world, operation, campaign, pledges)
    assert campaign.status is ALLOWED[(operation, status)]
    assert campaign.events, "an allowed transition records an event"


@pytest.mark.parametrize(("operation", "status"), sorted(REFUSED))
def test_forbidden_transitions(world: World, operation: str, status: CampaignStatus) -> None:
    campaign, pledges = world.in_status(status)
    with pytest.raises(REFUSED[(operation, status)]):
        _operate(world, operation, campaign, pledges)
    assert campaign.status is status
    assert campaign.events == []
