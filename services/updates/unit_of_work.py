"""The updates service's unit of work: one transaction with its repositories inside."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from services.updates.adapters.campaigns import CampaignReadModel
from shared.db import UnitOfWork


class UpdatesUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)
