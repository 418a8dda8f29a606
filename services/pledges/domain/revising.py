"""A launched campaign's words revised: what may change after launch, and what never may."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum

from . import events as ev
from .campaign_record import CampaignRecord
from .errors import CampaignNotLive, LockedAfterLaunch
from .rules import TermsRefused, check_aware, check_delivery_months, check_terms
from .values import CampaignRevision, CampaignStatus, Tier, TierSpec


class CampaignRevising(CampaignRecord):
    """The part of :class:`~.campaigns.Campaign` that revises it after launch."""

    def revise(
        self,
        actor_id: uuid.UUID,
        *,
        now: datetime,
        title: str | None = None,
        description: str | None = None,
        tiers: Sequence[TierSpec] | None = None,
        locked: Mapping[str, object] | None = None,
    ) -> bool:
        """After launch (live, or funded and delivering), the creator revises the words backers
        read: the title, the story, and each tier's name, description and delivery month.
        ``None`` leaves a term as it is. What backers pledged on never changes: a tier's
        minimum, and any of ``locked`` (goal, currency, deadline, funding model, budget,
        language) given with a new value, is refused (:class:`LockedAfterLaunch`, naming
        it) and nothing changes. Tiers are named by id, every one of them (none added or
        removed: backers hold them); a limit may change, never below the places taken.
        Records CampaignRevised and returns True only if something changed."""
        now = check_aware(now)
        self._require_creator(actor_id)
        if self.status not in (CampaignStatus.LIVE, CampaignStatus.SUCCEEDED):
            raise CampaignNotLive(
                f"the campaign is {self.status.value}: only a live or funded campaign is revised"
            )
        for name, value in (locked or {}).items():
            if value is not None and not self._same_term(name, value):
                raise LockedAfterLaunch(
                    "cannot change once the campaign is live: backers pledged on it", field=name
                )
        terms = {"title": title, "description": description}
        changes = check_terms(terms, now, partial=True)
        new_tiers = None if tiers is None else self._revised_tiers(tiers, now)
        before = (self.title, self.description, [t.terms for t in self.tiers])
        for name, value in changes.items():
            setattr(self, name, value)
        if new_tiers is not None:
            self.tiers = new_tiers
        if (self.title, self.description, [t.terms for t in self.tiers]) == before:
            return False
        self.updated_at = self.revised_at = now
        self.events.append(
            ev.CampaignRevised(
                description=self.description, status=self.status.value, **self._terms(now)
            )
        )
        return True

    def revision(self, at: datetime) -> CampaignRevision:
        """The campaign's words as they read now, for its public history, dated ``at``."""
        return CampaignRevision(
            revised_at=at,
            title=self.title,
            description=self.description,
            tiers=tuple(tier.terms for tier in self.tiers),
        )

    def _same_term(self, name: str, value: object) -> bool:
        held = getattr(self, name, None)
        if name == "budget":
            return isinstance(value, Sequence) and tuple(value) == self.budget
        if name == "deadline":
            return isinstance(value, datetime) and value.utcoffset() is not None and value == held
        if isinstance(held, Enum):
            return value == held.value or value == held
        return value == held

    def _revised_tiers(self, specs: Sequence[TierSpec], now: datetime) -> list[Tier]:
        # Words are checked by the same rules as a draft's (every refusal named at once); then
        # what backers hold is compared with what they pledged on.
        checked = check_terms({"tiers": specs}, now, previous_tiers=self.tiers)["tiers"]
        check_delivery_months(checked, self.deadline)
        given = [spec.id for spec in specs]
        if len(given) != len(self.tiers) or set(given) != {tier.id for tier in self.tiers}:
            raise LockedAfterLaunch(
                "after launch every tier is kept, named by its id: none is added or removed",
                field="tiers",
            )
        held = {tier.id: tier for tier in self.tiers}
        revised: list[Tier] = []
        for index, tier in enumerate(checked):
            old = held[tier.id]
            if tier.min_amount != old.min_amount:
                raise LockedAfterLaunch(
                    "cannot change once the campaign is live: backers pledged on it",
                    field=f"tiers[{index}].min_amount",
                )
            if tier.limit is not None and tier.limit < old.taken:
                raise TermsRefused(
                    {f"tiers[{index}].limit": [f"must not be below the {old.taken} places taken"]}
                )
            revised.append(
                Tier(
                    id=old.id,
                    name=tier.name,
                    min_amount=old.min_amount,
                    limit=tier.limit,
                    taken=old.taken,
                    description=tier.description,
                    delivery_month=tier.delivery_month,
                )
            )
        # The order backers saw is kept: the tiers' words change, not their places.
        order = {tier.id: n for n, tier in enumerate(self.tiers)}
        return sorted(revised, key=lambda tier: order[tier.id])
