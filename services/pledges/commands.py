"""Orders the pledges service carries out, whichever entrypoint (HTTP, CLI) they came from."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from services.pledges.domain.values import BudgetLine, TierSpec


@dataclass(frozen=True)
class CreateAccount:
    role: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class RevokeAccount:
    account_id: uuid.UUID
    reason: str = ""


@dataclass(frozen=True)
class CreateCampaign:
    creator_id: uuid.UUID
    title: str
    description: str
    goal_amount: int
    currency: str
    deadline: datetime
    funding_model: str
    tiers: tuple[TierSpec, ...] = field(default_factory=tuple)
    budget: tuple[BudgetLine, ...] = field(default_factory=tuple)
