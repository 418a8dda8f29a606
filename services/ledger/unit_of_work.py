"""The ledger's unit of work: one transaction with the ledger's repositories inside.

The journals' events (`ledger.entry_appended`) are published at commit, from the journals the
repository locked. A signed checkpoint (`ledger.checkpoint_published`) and a published report
(`report.published`) belong to no aggregate and are published where they are made.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection

from services.ledger.adapters.campaigns import CampaignReadModel
from services.ledger.adapters.checkpoints import CheckpointRepository
from services.ledger.adapters.covers import CoverRepository
from services.ledger.adapters.events import LEDGER_TOPIC, entry_appended
from services.ledger.adapters.journal import JournalRepository
from services.ledger.adapters.receipt_copies import ReceiptCopyRepository
from services.ledger.adapters.reports import ReportRepository
from services.ledger.domain import EntryAppended, Journal
from shared.db import UnitOfWork
from shared.events import Envelope, Event


class LedgerUnitOfWork(UnitOfWork):
    campaigns: CampaignReadModel
    journals: JournalRepository
    checkpoints: CheckpointRepository
    reports: ReportRepository
    covers: CoverRepository
    receipt_copies: ReceiptCopyRepository

    def _open(self, connection: Connection) -> None:
        self.campaigns = CampaignReadModel(connection)
        self.journals = JournalRepository(connection)
        self.checkpoints = CheckpointRepository(connection)
        self.reports = ReportRepository(connection)
        self.covers = CoverRepository(connection)
        self.receipt_copies = ReceiptCopyRepository(connection)

    def prepare(self, events: Sequence[Event]) -> None:
        """Lock the journals the batch's pledge events append to, in one order (two workers'
        batches then never wait for each other in a circle), and load the pledges they name
        in one query per campaign."""
        pledges: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
        for event in events:
            # Pledge and payment events append; campaign events and the ledger's own
            # announcements need no journal locked.
            pledge_id = getattr(event, "pledge_id", None)
            campaign_id = getattr(event, "campaign_id", None)
            if pledge_id is not None and campaign_id is not None:
                pledges[campaign_id].add(pledge_id)
        for campaign_id in sorted(pledges):
            self.journals.lock(campaign_id, pledges[campaign_id])

    def _flush(self) -> None:
        self.journals.flush()

    def _forget(self) -> None:
        self.journals.forget()
        self.checkpoints.forget()
        self.reports.forget()

    def _seen(self) -> Iterable[Journal]:
        return self.journals.seen

    def _wire(self, event: EntryAppended) -> tuple[str, Envelope]:
        return LEDGER_TOPIC, entry_appended(event, self.journals.stored_leaf(event))
