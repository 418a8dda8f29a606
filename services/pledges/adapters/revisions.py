"""A launched campaign's public history of its words, in the pledges database."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import campaign_revisions
from services.pledges.domain.values import CampaignRevision, TierTerms


class CampaignRevisionRepository:
    """Revisions are only ever added, numbered from 1 per campaign, and read oldest first."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def count(self, campaign_id: uuid.UUID) -> int:
        return int(
            self._connection.execute(
                sa.select(sa.func.count()).where(campaign_revisions.c.campaign_id == campaign_id)
            ).scalar_one()
        )

    def add(self, campaign_id: uuid.UUID, revision: CampaignRevision) -> None:
        """Append `revision` (the caller holds the campaign's lock, so numbers never clash)."""
        self._connection.execute(
            campaign_revisions.insert().values(
                campaign_id=campaign_id,
                number=self.count(campaign_id) + 1,
                revised_at=revision.revised_at,
                title=revision.title,
                description=revision.description,
                tiers=[_tier_json(tier) for tier in revision.tiers],
            )
        )

    def list(self, campaign_id: uuid.UUID) -> list[CampaignRevision]:
        rows = self._connection.execute(
            sa.select(campaign_revisions)
            .where(campaign_revisions.c.campaign_id == campaign_id)
            .order_by(campaign_revisions.c.number)
        ).mappings()
        return [
            CampaignRevision(
                revised_at=row["revised_at"],
                title=row["title"],
                description=row["description"],
                tiers=tuple(_tier_terms(tier) for tier in row["tiers"]),
            )
            for row in rows
        ]


def _tier_json(tier: TierTerms) -> dict[str, Any]:
    return {
        "id": str(tier.id),
        "name": tier.name,
        "min_amount": tier.min_amount,
        "limit": tier.limit,
        "description": tier.description,
        "delivery_month": tier.delivery_month,
    }


def _tier_terms(data: dict[str, Any]) -> TierTerms:
    return TierTerms(
        id=uuid.UUID(data["id"]),
        name=data["name"],
        min_amount=data["min_amount"],
        limit=data["limit"],
        description=data.get("description", ""),
        delivery_month=data.get("delivery_month"),
    )
