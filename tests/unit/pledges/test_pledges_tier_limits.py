"""Limited reward tiers: the last slot, sold out, slots freed by changes and cancellations."""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    rule,
)

from services.pledges.domain import (
    Campaign,
    DomainError,
    Pledge,
    PledgeStatus,
    TierSoldOut,
    TierSpec,
)

if TYPE_CHECKING:
    from conftest import World
    from hypothesis.stateful import MultipleResults


def _oven_campaign(world: World) -> Campaign:
    return world.live(tiers=[TierSpec("Sticker", 1_000), TierSpec("Oven", 50_000, limit=2)])


def test_the_last_slot_can_be_taken_and_then_the_tier_is_sold_out(world: World) -> None:
    campaign = _oven_campaign(world)
    oven = campaign.tiers[1]
    campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)
    assert (oven.taken, oven.remaining, oven.sold_out) == (1, 1, False)

    campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)  # the last slot
    assert (oven.taken, oven.remaining, oven.sold_out) == (2, 0, True)

    campaign.events.clear()
    with pytest.raises(TierSoldOut) as refused:
        campaign.pledge(uuid.uuid4(), 90_000, now=world.now, tier_id=oven.id)
    assert refused.value.field == "tier_id"
    assert (oven.taken, campaign.backers_count, campaign.pledged_amount) == (2, 2, 100_000)
    assert campaign.events == []


def test_unlimited_tiers_never_sell_out(world: World) -> None:
    campaign = _oven_campaign(world)
    sticker = campaign.tiers[0]
    for _ in range(25):
        campaign.pledge(uuid.uuid4(), 1_000, now=world.now, tier_id=sticker.id)
    assert (sticker.taken, sticker.remaining, sticker.sold_out) == (25, None, False)


def test_changing_into_a_sold_out_tier_is_refused(world: World) -> None:
    campaign = _oven_campaign(world)
    oven, sticker = campaign.tiers[1], campaign.tiers[0]
    for _ in range(2):
        campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)
    pledge = campaign.pledge(uuid.uuid4(), 60_000, now=world.now, tier_id=sticker.id)
    with pytest.raises(TierSoldOut):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, tier_id=oven.id)
    assert (pledge.tier_id, sticker.taken, oven.taken) == (sticker.id, 1, 2)


def test_changing_tier_frees_the_old_slot(world: World) -> None:
    campaign = _oven_campaign(world)
    oven, sticker = campaign.tiers[1], campaign.tiers[0]
    holders = [
        campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id) for _ in range(2)
    ]
    campaign.change_pledge(holders[0], holders[0].backer_id, now=world.now, tier_id=sticker.id)
    assert (oven.taken, sticker.taken) == (1, 1)
    # The freed slot is there for someone else.
    campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)
    assert oven.sold_out


def test_staying_in_a_full_tier_needs_no_extra_slot(world: World) -> None:
    campaign = _oven_campaign(world)
    oven = campaign.tiers[1]
    holders = [
        campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id) for _ in range(2)
    ]
    campaign.change_pledge(holders[1], holders[1].backer_id, now=world.now, amount=80_000)
    campaign.change_pledge(
        holders[0], holders[0].backer_id, now=world.now, amount=70_000, tier_id=oven.id
    )
    assert (oven.taken, holders[0].amount, holders[1].amount) == (2, 70_000, 80_000)


def test_cancelling_frees_the_slot(world: World) -> None:
    campaign = _oven_campaign(world)
    oven = campaign.tiers[1]
    first, _ = (
        campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id) for _ in range(2)
    )
    campaign.cancel_pledge(first, first.backer_id, now=world.now)
    assert (oven.taken, oven.remaining) == (1, 1)
    campaign.pledge(uuid.uuid4(), 50_000, now=world.now, tier_id=oven.id)
    assert oven.sold_out


# --- whatever backers do, a limited tier is never oversold -------------------------------------

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
LIMITS = [1, 2, None]
MINIMUMS = [1_000, 5_000, 100]


class TierAccounting(RuleBasedStateMachine):
    """Random pledges, changes and cancellations by a handful of backers."""

    pledges = Bundle("pledges")

    def __init__(self) -> None:
        super().__init__()
        self.campaign = Campaign.create(
            creator_id=uuid.uuid4(),
            title="Tiers",
            description="",
            goal_amount=1_000_000,
            currency="EUR",
            deadline=NOW + timedelta(days=1),
            funding_model="flexible",
            now=NOW,
            tiers=[
                TierSpec(f"Tier {i}", minimum, limit=limit)
                for i, (minimum, limit) in enumerate(zip(MINIMUMS, LIMITS, strict=True))
            ],
        )
        self.campaign.launch(self.campaign.creator_id, now=NOW)
        self.backers = [uuid.uuid4() for _ in range(4)]
        self.active: dict[uuid.UUID, Pledge] = {}  # backer -> their active pledge

    def _tier(self, choice: int | None) -> uuid.UUID | None:
        return None if choice is None else self.campaign.tiers[choice].id

    @rule(
        target=pledges,
        backer=st.integers(0, 3),
        amount=st.integers(1, 10_000),
        tier=st.none() | st.integers(0, 2),
    )
    def pledge(
        self, backer: int, amount: int, tier: int | None
    ) -> Pledge | MultipleResults[Pledge]:
        backer_id = self.backers[backer]
        existing = self.active.get(backer_id)
        try:
            pledge = self.campaign.pledge(
                backer_id, amount, now=NOW, tier_id=self._tier(tier), existing=existing
            )
        except DomainError:
            return multiple()
        self.active[backer_id] = pledge
        return multiple() if existing is not None else pledge

    @rule(pledge=pledges, amount=st.integers(1, 10_000), tier=st.none() | st.integers(0, 2))
    def change(self, pledge: Pledge, amount: int, tier: int | None) -> None:
        # Refusals (sold out, below a minimum) are part of the game; the invariants judge.
        with contextlib.suppress(DomainError):
            self.campaign.change_pledge(
                pledge, pledge.backer_id, now=NOW, amount=amount, tier_id=self._tier(tier)
            )

    @rule(pledge=consumes(pledges))
    def cancel(self, pledge: Pledge) -> None:
        try:
            self.campaign.cancel_pledge(pledge, pledge.backer_id, now=NOW)
        except DomainError:
            return
        del self.active[pledge.backer_id]

    @invariant()
    def no_tier_is_oversold(self) -> None:
        for tier in self.campaign.tiers:
            holders = [p for p in self.active.values() if p.tier_id == tier.id]
            assert tier.taken == len(holders)
            assert tier.limit is None or tier.taken <= tier.limit
            assert all(p.amount >= tier.min_amount for p in holders)

    @invariant()
    def tallies_match_the_active_pledges(self) -> None:
        assert all(p.status is PledgeStatus.PLEDGED for p in self.active.values())
        assert self.campaign.backers_count == len(self.active)
        assert self.campaign.pledged_amount == sum(p.amount for p in self.active.values())


TestTierAccounting = TierAccounting.TestCase
TestTierAccounting.settings = settings(
    max_examples=150, stateful_step_count=30, database=None, deadline=None
)
