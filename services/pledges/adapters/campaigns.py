"""Campaigns, their tiers and budgets in the pledges database, as domain objects."""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import budget_lines, campaigns, tiers
from services.pledges.domain import Campaign
from services.pledges.domain.values import BudgetLine, CampaignStatus, FundingModel, Tier

_CAMPAIGN_FIELDS = (
    "id", "creator_id", "title", "description", "goal_amount", "currency", "deadline",
    "funding_model", "status", "pledged_amount", "backers_count", "created_at", "updated_at",
    "launched_at", "ended_at", "test_mode", "language", "cover_sha256", "revised_at",
)  # fmt: skip

#: Columns that change after drafting: status, tallies and lifecycle times.
_STATE_FIELDS = (
    "status", "pledged_amount", "backers_count", "updated_at", "launched_at", "ended_at",
    "test_mode", "cover_sha256",
)  # fmt: skip

# Built once: constructing a statement and its cache key costs more CPU than running it, and a
# pledge runs these under the campaign's lock on every request (docs/benchmarks.md).
_GET = sa.select(campaigns).where(campaigns.c.id == sa.bindparam("campaign_id"))
_GET_FOR_UPDATE = _GET.with_for_update()
_TIERS_OF = (
    sa.select(tiers)
    .where(tiers.c.campaign_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(tiers.c.position)
)
_BUDGETS_OF = (
    sa.select(budget_lines)
    .where(budget_lines.c.campaign_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(budget_lines.c.position)
)
_SAVE_STATE = campaigns.update().where(campaigns.c.id == sa.bindparam("campaign_id"))
_SAVE_TAKEN = tiers.update().where(tiers.c.id == sa.bindparam("tier_id"))


class CampaignRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        # Each loaded tier's `taken`, so `save_state` writes only the tiers that changed.
        self._loaded_taken: dict[uuid.UUID, int] = {}
        # Campaigns got without their budget or tiers: `save` would write those empty lists
        # back. (By object: the same campaign got whole in this unit of work may be saved.)
        self._partial: set[int] = set()
        self._without_tiers: set[int] = set()
        #: Every campaign added or got: the unit of work publishes their events at commit.
        self.seen: builtins.list[Campaign] = []

    def add(self, campaign: Campaign) -> None:
        self.seen.append(campaign)
        self._connection.execute(campaigns.insert().values(**_campaign_row(campaign)))
        self._write_children(campaign)

    def save(self, campaign: Campaign) -> None:
        """Write back a campaign loaded with `get(..., for_update=True)` and changed."""
        if id(campaign) in self._partial:
            raise RuntimeError("a campaign got without its budget or tiers cannot be saved whole")
        self._connection.execute(
            campaigns.update()
            .where(campaigns.c.id == campaign.id)
            .values(**_campaign_row(campaign))
        )
        self._connection.execute(
            sa.delete(budget_lines).where(budget_lines.c.campaign_id == campaign.id)
        )
        kept = [tier.id for tier in campaign.tiers]
        self._connection.execute(
            sa.delete(tiers).where(tiers.c.campaign_id == campaign.id, tiers.c.id.not_in(kept))
        )
        for position, tier in enumerate(campaign.tiers):
            updated = self._connection.execute(
                tiers.update()
                .where(tiers.c.id == tier.id)
                .values(**_tier_row(campaign, position, tier))
            )
            if updated.rowcount == 0:
                self._connection.execute(
                    tiers.insert().values(**_tier_row(campaign, position, tier))
                )
        self._write_budget(campaign)

    def save_state(self, campaign: Campaign) -> None:
        """Write back what launching, pledging, settling or cancelling changes: the campaign's
        status, tallies and times, and its tiers' `taken` counts. Terms stay as they are; an
        edited draft goes through `save`."""
        state = _campaign_row(campaign)
        self._connection.execute(
            _SAVE_STATE,
            {"campaign_id": campaign.id, **{name: state[name] for name in _STATE_FIELDS}},
        )
        for tier in campaign.tiers:
            if self._loaded_taken.get(tier.id) != tier.taken:
                self._connection.execute(_SAVE_TAKEN, {"tier_id": tier.id, "taken": tier.taken})
                self._loaded_taken[tier.id] = tier.taken

    def due_ids(self, now: datetime) -> list[uuid.UUID]:
        """Live campaigns whose deadline has come, oldest deadline first."""
        query = (
            sa.select(campaigns.c.id)
            .where(campaigns.c.status == CampaignStatus.LIVE.value, campaigns.c.deadline <= now)
            .order_by(campaigns.c.deadline, campaigns.c.id)
        )
        return list(self._connection.execute(query).scalars())

    def get(
        self,
        campaign_id: uuid.UUID,
        *,
        for_update: bool = False,
        with_budget: bool = True,
        with_tiers: bool = True,
    ) -> Campaign | None:
        """The campaign with its tiers and budget; `for_update` locks it until commit.

        Pledging runs this under the campaign's lock on every pledge, and never reads the
        budget, nor the tiers unless a tier is chosen or left: `with_budget=False` and
        `with_tiers=False` save those reads (`load_tiers` reads the tiers when they turn out to
        be needed). Such a campaign can be written back with `save_state` only. (The tiers
        cannot come in the locking statement: under READ COMMITTED a row lock waited for
        refreshes the locked row, not the rows joined to it, so a tier's `taken` would be read
        as it was before the previous pledge; the race tests catch that.)"""
        query = _GET_FOR_UPDATE if for_update else _GET
        row = self._connection.execute(query, {"campaign_id": campaign_id}).mappings().first()
        if row is None:
            return None
        campaign = self._load([row], with_budget=with_budget, with_tiers=with_tiers)[0]
        if not (with_budget and with_tiers):
            self._partial.add(id(campaign))
        if not with_tiers:
            self._without_tiers.add(id(campaign))
        self.seen.append(campaign)
        return campaign

    def load_tiers(self, campaign: Campaign) -> None:
        """Give a campaign got `with_tiers=False` its tiers, read now (after its lock, so their
        counts are current)."""
        if id(campaign) not in self._without_tiers:
            return
        tier_rows = self._connection.execute(_TIERS_OF, {"ids": [campaign.id]}).mappings().all()
        self._loaded_taken.update({t["id"]: t["taken"] for t in tier_rows})
        campaign.tiers = [_tier(t) for t in tier_rows]
        self._without_tiers.discard(id(campaign))

    def creator_of(self, campaign_id: uuid.UUID) -> uuid.UUID | None:
        return self._connection.execute(
            sa.select(campaigns.c.creator_id).where(campaigns.c.id == campaign_id)
        ).scalar_one_or_none()

    def with_cover(self, sha256: str) -> tuple[uuid.UUID, CampaignStatus] | None:
        """(creator, status) of a campaign whose cover is the picture `sha256`, a public one
        first; None when no campaign shows it (any more)."""
        row = self._connection.execute(
            sa.select(campaigns.c.creator_id, campaigns.c.status)
            .where(campaigns.c.cover_sha256 == sha256)
            .order_by((campaigns.c.status == CampaignStatus.DRAFT.value).asc())
            .limit(1)
        ).first()
        return None if row is None else (row.creator_id, CampaignStatus(row.status))

    def list(
        self,
        *,
        statuses: Sequence[str] | None = None,
        viewer: uuid.UUID | None = None,
        creator_id: uuid.UUID | None = None,
        title_contains: Sequence[str] = (),
        limit: int = 50,
        offset: int = 0,
    ) -> builtins.list[Campaign]:
        """Newest first; drafts only those of `viewer` (a draft is its creator's business);
        with `creator_id`, only that creator's campaigns; with `title_contains`, only those
        whose title holds every one of these words, in any case."""
        query = sa.select(campaigns).order_by(campaigns.c.created_at.desc(), campaigns.c.id)
        if statuses:
            query = query.where(campaigns.c.status.in_(statuses))
        for word in title_contains:
            # `%` and `_` typed by someone searching are letters, not wildcards.
            query = query.where(campaigns.c.title.icontains(word, autoescape=True))
        if creator_id is not None:
            query = query.where(campaigns.c.creator_id == creator_id)
        query = query.where(
            sa.or_(campaigns.c.status != "draft", campaigns.c.creator_id == viewer)
            if viewer is not None
            else campaigns.c.status != "draft"
        )
        rows = self._connection.execute(query.limit(limit).offset(offset)).mappings().all()
        return self._load(rows)

    def _load(
        self, rows: Sequence[Any], with_budget: bool = True, with_tiers: bool = True
    ) -> builtins.list[Campaign]:
        ids = {"ids": [row["id"] for row in rows]}
        tier_rows: Sequence[Any] = []
        if with_tiers:
            tier_rows = self._connection.execute(_TIERS_OF, ids).mappings().all()
        budget_rows: Sequence[Any] = []
        if with_budget:
            budget_rows = self._connection.execute(_BUDGETS_OF, ids).mappings().all()
        self._loaded_taken.update({t["id"]: t["taken"] for t in tier_rows})
        return [
            _campaign(
                row,
                [t for t in tier_rows if t["campaign_id"] == row["id"]],
                [b for b in budget_rows if b["campaign_id"] == row["id"]],
            )
            for row in rows
        ]

    def _write_children(self, campaign: Campaign) -> None:
        if campaign.tiers:
            self._connection.execute(
                tiers.insert(),
                [
                    _tier_row(campaign, position, tier)
                    for position, tier in enumerate(campaign.tiers)
                ],
            )
        self._write_budget(campaign)

    def _write_budget(self, campaign: Campaign) -> None:
        if campaign.budget:
            self._connection.execute(
                budget_lines.insert(),
                [
                    {
                        "campaign_id": campaign.id,
                        "category": line.category,
                        "position": position,
                        "amount": line.amount,
                    }
                    for position, line in enumerate(campaign.budget)
                ],
            )


def _campaign(row: Any, tier_rows: Sequence[Any], budget_rows: Sequence[Any]) -> Campaign:
    campaign = Campaign(
        **{name: row[name] for name in _CAMPAIGN_FIELDS},
        tiers=[_tier(t) for t in tier_rows],
        budget=tuple(BudgetLine(category=b["category"], amount=b["amount"]) for b in budget_rows),
    )
    campaign.funding_model = FundingModel(row["funding_model"])
    campaign.status = CampaignStatus(row["status"])
    return campaign


def _tier(row: Any) -> Tier:
    return Tier(
        id=row["id"],
        name=row["name"],
        min_amount=row["min_amount"],
        limit=row["limit"],
        taken=row["taken"],
        description=row["description"],
        delivery_month=row["delivery_month"],
    )


def _campaign_row(campaign: Campaign) -> dict[str, Any]:
    row = {name: getattr(campaign, name) for name in _CAMPAIGN_FIELDS}
    row["funding_model"] = campaign.funding_model.value
    row["status"] = campaign.status.value
    return row


def _tier_row(campaign: Campaign, position: int, tier: Tier) -> dict[str, Any]:
    return {
        "id": tier.id,
        "campaign_id": campaign.id,
        "position": position,
        "name": tier.name,
        "min_amount": tier.min_amount,
        "limit": tier.limit,
        "taken": tier.taken,
        "description": tier.description,
        "delivery_month": tier.delivery_month,
    }
