"""The ledger's unit of work: one transaction with the ledger's repositories inside."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from services.ledger.adapters.campaigns import CampaignReadModel
from services.ledger.adapters.checkpoints import CheckpointRepository
from services.ledger.adapters.journal import JournalRepository
from services.ledger.adapters.reports import ReportRepository
from shared.db import UnitOfWork


class LedgerUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel
    journals: JournalRepository
    checkpoints: CheckpointRepository
    reports: ReportRepository

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)
        self.journals = JournalRepository(connection)
        self.checkpoints = CheckpointRepository(connection)
        self.reports = ReportRepository(connection)
