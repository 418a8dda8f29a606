"""Campaigns' cover pictures as the ledger keeps them: the newest announced, per campaign."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import campaign_covers
from services.ledger.domain.cover import CoverPicture


class CoverRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, campaign_id: uuid.UUID) -> CoverPicture | None:
        row = self._connection.execute(
            sa.select(campaign_covers).where(campaign_covers.c.campaign_id == campaign_id)
        ).first()
        if row is None:
            return None
        return CoverPicture(row.sha256, row.jpeg, row.width, row.height)

    def keep(self, campaign_id: uuid.UUID, cover: CoverPicture, changed_at: datetime) -> bool:
        """Keep `cover` unless a newer one is kept already (a late, older event changes
        nothing); whether it was kept."""
        values = {
            "sha256": cover.sha256,
            "jpeg": cover.jpeg,
            "width": cover.width,
            "height": cover.height,
            "changed_at": changed_at,
        }
        updated = self._connection.execute(
            campaign_covers.update()
            .where(
                campaign_covers.c.campaign_id == campaign_id,
                campaign_covers.c.changed_at <= changed_at,
            )
            .values(**values)
        )
        if updated.rowcount:
            return True
        exists = self._connection.execute(
            sa.select(campaign_covers.c.campaign_id).where(
                campaign_covers.c.campaign_id == campaign_id
            )
        ).first()
        if exists is not None:
            return False
        self._connection.execute(campaign_covers.insert().values(campaign_id=campaign_id, **values))
        return True
