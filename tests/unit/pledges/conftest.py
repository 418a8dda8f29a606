"""Builders for the pledges domain's unit tests: campaigns in every state, at a fixed clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.pledges.domain import (
    BudgetLine,
    Campaign,
    CampaignStatus,
    Pledge,
    RecordOnlyGateway,
    TierSpec,
)

#: The tests' "now": every operation takes it explicitly.
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
GOAL = 100_000  # 1,000.00 EUR


@dataclass
class World:
    """A creator, a clock and a record-only gateway, with builders for campaigns and pledges."""

    creator_id: uuid.UUID = field(default_factory=uuid.uuid4)
    now: datetime = NOW
    gateway: RecordOnlyGateway = field(default_factory=RecordOnlyGateway)

    @property
    def deadline(self) -> datetime:
        return self.now + timedelta(days=30)

    @property
    def after_deadline(self) -> datetime:
        return self.deadline + timedelta(seconds=1)

    def terms(self, **overrides: Any) -> dict[str, Any]:
        terms: dict[str, Any] = {
            "creator_id": self.creator_id,
            "title": "Solar oven for the village school",
            "description": "We build a **solar oven**.\n\nEveryone eats.",
            "goal_amount": GOAL,
            "currency": "EUR",
            "deadline": self.deadline,
            "funding_model": "all_or_nothing",
            "now": self.now,
            "tiers": [TierSpec("Sticker", 1_000), TierSpec("Oven", 50_000, limit=2)],
            "budget": [BudgetLine("parts", 60_000), BudgetLine("shipping", 10_000)],
        }
        terms.update(overrides)
        return terms

    def draft(self, **overrides: Any) -> Campaign:
        campaign = Campaign.create(**self.terms(**overrides))
        campaign.events.clear()
        return campaign

    def live(self, **overrides: Any) -> Campaign:
        campaign = self.draft(**overrides)
        campaign.launch(self.creator_id, now=self.now)
        campaign.events.clear()
        return campaign

    def backed(self, amounts: list[int], **overrides: Any) -> tuple[Campaign, list[Pledge]]:
        """A live campaign with one pledge per amount, each from a different backer."""
        campaign = self.live(**overrides)
        pledges = [campaign.pledge(uuid.uuid4(), a, now=self.now) for a in amounts]
        campaign.events.clear()
        return campaign, pledges

    def in_status(self, status: CampaignStatus) -> tuple[Campaign, list[Pledge]]:
        """A campaign in ``status`` with the pledges it holds (active ones while live)."""
        if status is CampaignStatus.DRAFT:
            return self.draft(), []
        if status is CampaignStatus.CANCELLED:
            campaign, pledges = self.backed([5_000])
            campaign.cancel(self.creator_id, now=self.now, pledges=pledges, gateway=self.gateway)
        elif status is CampaignStatus.LIVE:
            campaign, pledges = self.backed([5_000])
        else:
            amount = GOAL if status is CampaignStatus.SUCCEEDED else GOAL - 1
            campaign, pledges = self.backed([amount])
            campaign.settle(
                pledges, self.gateway, now=self.after_deadline, actor_id=self.creator_id
            )
        campaign.events.clear()
        return campaign, pledges


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture(scope="session")
def new_world() -> Callable[[], World]:
    """Makes fresh worlds, for hypothesis tests, whose examples must not share one."""
    return World
