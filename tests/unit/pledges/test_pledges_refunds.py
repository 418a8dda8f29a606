"""Refunds of collected pledges: partial, whole, never beyond what was collected."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.pledges.domain import (
    REASON_MAX,
    Campaign,
    InvalidAmount,
    InvalidText,
    NotCampaignCreator,
    Pledge,
    PledgeNotCollected,
    PledgeRefunded,
    PledgeStatus,
    RefundExceedsCollected,
)

if TYPE_CHECKING:
    from conftest import World


def _collected(world: World, amount: int = 100_000) -> tuple[Campaign, Pledge]:
    campaign, [pledge] = world.backed([amount], goal_amount=amount)
    campaign.settle([pledge], world.gateway, now=world.after_deadline, actor_id=None)
    campaign.events.clear()
    return campaign, pledge


def test_a_partial_refund(world: World) -> None:
    campaign, pledge = _collected(world)
    at = world.after_deadline

    receipt = campaign.refund(
        pledge, world.creator_id, amount=30_000, reason="Broken oven", gateway=world.gateway, now=at
    )

    assert (pledge.status, pledge.refunded_amount, pledge.refundable_amount) == (
        PledgeStatus.REFUNDED,
        30_000,
        70_000,
    )
    assert (receipt.kind, receipt.amount, receipt.pledge_id) == ("refund", 30_000, pledge.id)
    assert campaign.events == [
        PledgeRefunded(
            campaign_id=campaign.id,
            occurred_at=at,
            pledge_id=pledge.id,
            backer_id=pledge.backer_id,
            amount=30_000,
            currency="EUR",
            tier_id=None,
            collected_amount=100_000,
            refunded_total=30_000,
            reason="Broken oven",
            payment_reference=receipt.reference,
        )
    ]


def test_without_an_amount_everything_left_is_refunded(world: World) -> None:
    campaign, pledge = _collected(world)
    refund = dict(reason="Cancelled delivery", gateway=world.gateway, now=world.after_deadline)
    campaign.refund(pledge, world.creator_id, amount=25_000, **refund)  # type: ignore[arg-type]
    campaign.refund(pledge, world.creator_id, **refund)  # type: ignore[arg-type]

    assert (pledge.refunded_amount, pledge.refundable_amount) == (100_000, 0)
    last = campaign.events[-1]
    assert isinstance(last, PledgeRefunded)
    assert (last.amount, last.refunded_total) == (75_000, 100_000)


def test_a_whole_refund_in_one_go(world: World) -> None:
    campaign, pledge = _collected(world)
    campaign.refund(
        pledge,
        world.creator_id,
        amount=100_000,
        reason="Sorry",
        gateway=world.gateway,
        now=world.after_deadline,
    )
    assert (pledge.status, pledge.refunded_amount) == (PledgeStatus.REFUNDED, 100_000)


@pytest.mark.parametrize(("first", "second"), [(0, 100_001), (60_000, 40_001), (100_000, 1)])
def test_never_beyond_what_was_collected(world: World, first: int, second: int) -> None:
    campaign, pledge = _collected(world)
    if first:
        campaign.refund(
            pledge,
            world.creator_id,
            amount=first,
            reason="First",
            gateway=world.gateway,
            now=world.after_deadline,
        )
    campaign.events.clear()
    receipts = len(world.gateway.receipts)

    with pytest.raises(RefundExceedsCollected) as refused:
        campaign.refund(
            pledge,
            world.creator_id,
            amount=second,
            reason="Too much",
            gateway=world.gateway,
            now=world.after_deadline,
        )

    assert refused.value.field == "amount"
    assert pledge.refunded_amount == first
    assert campaign.events == []
    assert len(world.gateway.receipts) == receipts, "no money moves for a refused refund"


def test_a_fully_refunded_pledge_has_nothing_left_to_refund(world: World) -> None:
    campaign, pledge = _collected(world)
    kwargs: dict[str, Any] = {
        "reason": "Sorry",
        "gateway": world.gateway,
        "now": world.after_deadline,
    }
    campaign.refund(pledge, world.creator_id, **kwargs)
    with pytest.raises(RefundExceedsCollected):
        campaign.refund(pledge, world.creator_id, **kwargs)


@settings(database=None, max_examples=50)
@given(parts=st.lists(st.integers(1, 40_000), min_size=1, max_size=8))
def test_refunds_never_add_up_to_more_than_was_collected(
    new_world: Callable[[], World], parts: list[int]
) -> None:
    world = new_world()
    campaign, pledge = _collected(world, amount=100_000)
    refunded = 0
    for part in parts:
        try:
            campaign.refund(
                pledge,
                world.creator_id,
                amount=part,
                reason="Part",
                gateway=world.gateway,
                now=world.after_deadline,
            )
        except RefundExceedsCollected:
            assert refunded + part > 100_000
        else:
            refunded += part
        assert pledge.refunded_amount == refunded <= 100_000


@pytest.mark.parametrize("status", [PledgeStatus.PLEDGED, PledgeStatus.RELEASED, "cancelled"])
def test_only_collected_pledges_are_refunded(world: World, status: str) -> None:
    campaign, [pledge] = world.backed([5_000])
    if status == PledgeStatus.RELEASED:
        campaign.settle([pledge], world.gateway, now=world.after_deadline, actor_id=None)
    elif status == "cancelled":
        campaign.cancel_pledge(pledge, pledge.backer_id, now=world.now)
    assert pledge.status == status
    with pytest.raises(PledgeNotCollected):
        campaign.refund(
            pledge,
            world.creator_id,
            reason="Why not",
            gateway=world.gateway,
            now=world.after_deadline,
        )
    assert pledge.refunded_amount == 0


def test_only_the_campaigns_creator_may_refund(world: World) -> None:
    campaign, pledge = _collected(world)
    for someone in (uuid.uuid4(), pledge.backer_id):
        with pytest.raises(NotCampaignCreator):
            campaign.refund(
                pledge, someone, reason="Mine", gateway=world.gateway, now=world.after_deadline
            )
    assert pledge.refunded_amount == 0


@pytest.mark.parametrize("reason", ["", "   ", None, "x" * (REASON_MAX + 1), "a\x00b"])
def test_a_refund_needs_a_reason(world: World, reason: Any) -> None:
    campaign, pledge = _collected(world)
    with pytest.raises(InvalidText) as refused:
        campaign.refund(
            pledge,
            world.creator_id,
            reason=reason,
            gateway=world.gateway,
            now=world.after_deadline,
        )
    assert refused.value.field == "reason"
    assert pledge.refunded_amount == 0


def test_a_long_multi_line_reason_is_fine(world: World) -> None:
    campaign, pledge = _collected(world)
    reason = ("line\n" * (REASON_MAX // 5))[: REASON_MAX - 1] + "!"
    campaign.refund(
        pledge, world.creator_id, reason=reason, gateway=world.gateway, now=world.after_deadline
    )
    assert pledge.refunded_amount == 100_000


@pytest.mark.parametrize("amount", [0, -5, True, 1.5, "10"])
def test_bad_refund_amounts(world: World, amount: Any) -> None:
    campaign, pledge = _collected(world)
    with pytest.raises(InvalidAmount) as refused:
        campaign.refund(
            pledge,
            world.creator_id,
            amount=amount,
            reason="x",
            gateway=world.gateway,
            now=world.after_deadline,
        )
    assert refused.value.field == "amount"
    assert pledge.refunded_amount == 0
