"""The ledger's unit of work: one transaction with the ledger's repositories inside."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.ledger.adapters.campaigns import CampaignReadModel
from services.ledger.adapters.checkpoints import CheckpointRepository
from services.ledger.adapters.journal import JournalRepository
from shared.config import Settings
from shared.db import UnitOfWork

if TYPE_CHECKING:
    from services.ledger.signing import LogSigning


class LedgerUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel
    journals: JournalRepository
    checkpoints: CheckpointRepository

    def __init__(
        self, engine: Engine, tables: dict[str, sa.Table], producer: str, signing: LogSigning
    ) -> None:
        super().__init__(engine, tables, producer)
        #: The log's signing key and names, for the checkpoints this unit of work publishes.
        self.signing = signing

    @classmethod
    def factory(
        cls, engine: Engine, tables: dict[str, sa.Table], producer: str, settings: Settings
    ) -> Callable[[], UnitOfWork]:
        """Load (or create) the log's signing key once per process, not per transaction."""
        from services.ledger.signing import LogSigning

        signing = LogSigning.from_settings(settings)
        return lambda: cls(engine, tables, producer, signing)

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)
        self.journals = JournalRepository(connection)
        self.checkpoints = CheckpointRepository(connection)
