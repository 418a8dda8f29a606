"""A ledger unit of work in memory: journals as lists of entries, and what it would publish.

It keeps the real one's rules that handlers rely on: what a block appends is kept only if it
commits, and the entries of the journals it locked are announced at commit, through the real
wire form.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from services.ledger.adapters.journal import StoredEntry
from services.ledger.domain import Dispute, Entry, Journal, merkle
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.events import Envelope


@dataclass
class Books:
    """One campaign's journal as the database would hold it."""

    creator_id: uuid.UUID
    currency: str
    budget: Mapping[str, int]
    entries: list[Entry] = field(default_factory=list)
    #: pledge id → backer id, as `record_backer` notes them for auditors.
    backers: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    #: Where each dispute stands, as the `disputes` table keeps it (a lost one has no entry).
    disputes: dict[str, Dispute] = field(default_factory=dict)


class FakeJournals:
    def __init__(self, books: dict[uuid.UUID, Books]) -> None:
        self._books = books
        self.seen: list[Journal] = []

    def lock(
        self, campaign_id: uuid.UUID, pledge_ids: Collection[uuid.UUID] = ()
    ) -> Journal | None:
        books = self._books.get(campaign_id)
        if books is None:
            return None
        # Replayed from every entry: it then knows all pledges and receipts, more than `lock`
        # loads, which the handlers' own loading calls cannot tell apart.
        journal = Journal.replay(
            campaign_id,
            books.entries,
            creator_id=books.creator_id,
            currency=books.currency,
            budget=books.budget,
        )
        journal.disputes.update(books.disputes)
        self.seen.append(journal)
        return journal

    def load_pledges(self, journal: Journal, pledge_ids: Collection[uuid.UUID]) -> None:
        """Nothing to add: `lock` replayed every pledge."""

    def load_receipt_uses(self, journal: Journal, receipt_sha256: str) -> None:
        """Nothing to add: `lock` replayed every receipt."""

    def load_fee(self, journal: Journal, fee_kind: str, reference: str) -> None:
        """Nothing to add: `lock` replayed every fee."""

    def load_dispute(self, journal: Journal, reference: str) -> None:
        """Nothing to add: `lock` replayed every dispute and added how each closed."""

    def save(self, journal: Journal) -> list[StoredEntry]:
        self._books[journal.campaign_id].disputes.update(journal.disputes)
        entries = self._books[journal.campaign_id].entries
        new = [event.entry for event in journal.events if event.entry.seq >= len(entries)]
        entries.extend(new)
        return [StoredEntry(e, e.leaf_data(), merkle.leaf_hash(e.leaf_data())) for e in new]

    def stored_leaf(self, event: Any) -> tuple[bytes, bytes] | None:
        """None: the announcement makes its leaf afresh, as the real one does when it must."""
        return None

    def entry(self, campaign_id: uuid.UUID, seq: int) -> Entry | None:
        entries = self._books[campaign_id].entries
        return entries[seq] if 0 <= seq < len(entries) else None

    def record_backer(
        self, campaign_id: uuid.UUID, pledge_id: uuid.UUID, backer_id: uuid.UUID, now: datetime
    ) -> None:
        self._books[campaign_id].backers.setdefault(pledge_id, backer_id)


class FakeLedgerUnitOfWork(LedgerUnitOfWork):
    """Hand the same one to every handler call: what one commits, the next one reads."""

    def __init__(self) -> None:
        self.books: dict[uuid.UUID, Books] = {}
        #: (topic, envelope) of everything committed for the outbox, oldest first.
        self.published: list[tuple[str, Envelope]] = []
        self._open_state: Any = None

    def open_books(
        self,
        campaign_id: uuid.UUID,
        creator_id: uuid.UUID,
        currency: str = "EUR",
        budget: Mapping[str, int] | None = None,
    ) -> None:
        """The campaign's journal, opened as the ledger does when it hears of the campaign."""
        self.books[campaign_id] = Books(creator_id, currency, dict(budget or {}))

    def __enter__(self) -> Self:
        self._open_state = copy.deepcopy(self.books)
        self._pending: list[tuple[str, Envelope]] = []
        self.journals = FakeJournals(self.books)  # type: ignore[assignment]
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._open_state is not None:
            self.books = self._open_state
        self.drop_new_events()
        self._open_state = None

    def commit(self) -> None:
        self.publish_new_events()
        self.published.extend(self._pending)
        self._pending = []
        self._open_state = None

    def publish_all(self, messages: Sequence[tuple[str, Envelope]]) -> None:
        self._pending.extend(messages)

    def entries(self, campaign_id: uuid.UUID) -> list[Entry]:
        return self.books[campaign_id].entries

    def announced(self) -> list[dict[str, Any]]:
        """The payloads of the `ledger.entry_appended` events committed, oldest first."""
        return [
            envelope.payload
            for topic, envelope in self.published
            if topic == "ledger.events" and envelope.type == "ledger.entry_appended"
        ]
