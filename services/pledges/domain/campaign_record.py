"""A campaign's stored state, its public view, and the checks its operations share."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from shared.languages import DEFAULT_LANGUAGE
from shared.money import format_amount

from . import events as ev
from .errors import (
    BelowTierMinimum,
    CampaignNotDraft,
    CampaignNotLive,
    DeadlinePassed,
    NotCampaignCreator,
    NotPledgeBacker,
    TierSoldOut,
    UnknownTier,
)
from .pledges import Pledge
from .rules import check_aware
from .values import BudgetLine, CampaignStatus, FundingModel, Tier


@dataclass(eq=False, kw_only=True)
class CampaignRecord:
    """What a campaign is at one moment, as the database adapter loads and stores it.

    :class:`~.campaigns.Campaign` adds the operations and explains the model; the adapter
    builds a ``Campaign`` from these fields (no events are recorded by building one).
    """

    id: uuid.UUID
    creator_id: uuid.UUID
    title: str
    description: str
    goal_amount: int
    currency: str
    deadline: datetime
    funding_model: FundingModel
    tiers: list[Tier] = field(default_factory=list)
    budget: tuple[BudgetLine, ...] = ()
    status: CampaignStatus = CampaignStatus.DRAFT
    #: Sum of the active pledges' amounts.
    pledged_amount: int = 0
    #: Number of active pledges, which is the number of backers (one pledge each).
    backers_count: int = 0
    created_at: datetime
    updated_at: datetime
    launched_at: datetime | None = None
    #: When it succeeded, failed or was cancelled.
    ended_at: datetime | None = None
    #: True while no money moves for it: decided at drafting and again at launch from the
    #: payment gateway then in use (record-only: test mode). Older campaigns predate payments.
    test_mode: bool = True
    #: What its automatic updates and mails about it are written in (`shared/languages.py`).
    language: str = DEFAULT_LANGUAGE
    #: The SHA-256 naming its cover picture (`shared/images.py`), or None before one is chosen.
    cover_sha256: str | None = None
    #: When its words (title, story, tiers) were last revised after launch; None if never.
    revised_at: datetime | None = None
    events: list[ev.Event] = field(default_factory=list, init=False, repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CampaignRecord) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    # --- public view --------------------------------------------------------------------------

    def tier(self, tier_id: uuid.UUID) -> Tier:
        """This campaign's tier ``tier_id``, or :class:`UnknownTier`."""
        for tier in self.tiers:
            if tier.id == tier_id:
                return tier
        raise UnknownTier("is not one of this campaign's tiers", field="tier_id")

    @property
    def share_of_goal(self) -> Fraction:
        """Pledged total over goal, exactly (may exceed 1)."""
        return Fraction(self.pledged_amount, self.goal_amount)

    def time_left(self, now: datetime) -> timedelta:
        """Time until the deadline, never negative."""
        return max(self.deadline - check_aware(now), timedelta(0))

    def is_due(self, now: datetime) -> bool:
        """Whether the campaign is live with its deadline reached, i.e. waits to be settled."""
        return self.status is CampaignStatus.LIVE and check_aware(now) >= self.deadline

    # --- checks and helpers shared by the operations -----------------------------------------

    def _tier_for(self, tier_id: uuid.UUID | None, amount: int) -> Tier | None:
        if tier_id is None:
            return None
        tier = self.tier(tier_id)
        if amount < tier.min_amount:
            least = format_amount(tier.min_amount, self.currency)
            raise BelowTierMinimum(
                f"the tier {tier.name!r} needs at least {least}",
                field="amount",
                facts={"tier": tier.name, "min_amount": tier.min_amount, "currency": self.currency},
            )
        return tier

    def _all_active(self, pledges: Iterable[Pledge]) -> list[Pledge]:
        # Settling or cancelling with only some of the pledges would strand the others in
        # "pledged" forever: the tallies say exactly what the full set must add up to.
        active = list(pledges)
        for pledge in active:
            self._require_own(pledge)
            if not pledge.is_active:
                raise ValueError(f"pledge {pledge.id} is {pledge.status.value}, not active")
        if (
            len({p.id for p in active}) != self.backers_count
            or len(active) != self.backers_count
            or sum(p.amount for p in active) != self.pledged_amount
        ):
            raise ValueError("the pledges given are not exactly the campaign's active pledges")
        return active

    def _end(self, status: CampaignStatus, now: datetime) -> None:
        self.status = status
        self.ended_at = self.updated_at = now

    def _require_creator(self, actor_id: uuid.UUID) -> None:
        if actor_id != self.creator_id:
            raise NotCampaignCreator("only the campaign's creator may do this")

    def _require_backer(self, pledge: Pledge, actor_id: uuid.UUID) -> None:
        self._require_own(pledge)
        if pledge.backer_id != actor_id:
            raise NotPledgeBacker("only the pledge's backer may change it")

    def _require_own(self, pledge: Pledge) -> None:
        if pledge.campaign_id != self.id:
            raise ValueError(f"pledge {pledge.id} belongs to another campaign")

    def _require_draft(self) -> None:
        if self.status is not CampaignStatus.DRAFT:
            raise CampaignNotDraft(f"the campaign is {self.status.value}, no longer a draft")

    def _require_open(self, now: datetime) -> None:
        if self.status is not CampaignStatus.LIVE:
            raise CampaignNotLive(f"the campaign is {self.status.value}, not live")
        if now >= self.deadline:
            raise DeadlinePassed("the campaign's deadline has passed")

    def _terms(self, now: datetime) -> dict[str, Any]:
        return {
            "campaign_id": self.id,
            "occurred_at": now,
            "creator_id": self.creator_id,
            "title": self.title,
            "currency": self.currency,
            "goal_amount": self.goal_amount,
            "funding_model": self.funding_model,
            "deadline": self.deadline,
            "budget": self.budget,
            "tiers": tuple(t.terms for t in self.tiers),
            "test_mode": self.test_mode,
            "language": self.language,
        }


def take_slot(tier: Tier) -> None:
    if tier.sold_out:
        raise TierSoldOut(f"every place in the tier {tier.name!r} is taken", field="tier_id")
    tier.taken += 1
