"""Campaign journals in the database: load one locked, append its new entries, read entries."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.ledger.adapters.campaigns import CampaignReadModel
from services.ledger.adapters.journal_sql import (
    BACKER_COLUMNS,
    LOAD,
    LOCK,
    PLEDGE_BALANCES,
    UNNEST_BACKERS,
    balance_upsert,
    dialect_insert,
    unnest_balance_upsert,
)
from services.ledger.adapters.merkle_nodes import SqlNodeStore
from services.ledger.adapters.tables import (
    account_balances,
    campaigns,
    disputes,
    journal_entries,
    journal_postings,
    journals,
    pledge_backers,
    pledge_balances,
)
from services.ledger.domain import Dispute, Entry, EntryAppended, EntryKind, Journal, merkle
from shared.db import copy_rows, insert_rows, is_postgresql


@dataclass(frozen=True)
class StoredEntry:
    """An entry as appended: its leaf data (the export line) and its RFC 6962 leaf hash."""

    entry: Entry
    leaf_data: bytes
    leaf_hash: bytes


class JournalRepository:
    """Journals for one unit of work (a request, or a consumer's poll batch).

    A journal locked once is kept for the rest of the unit of work: a batch of a campaign's
    pledge events loads it once. `save` holds the new entries back, and `flush` (the unit of
    work's, at commit or before a savepoint is released) writes all of them at once: entries,
    postings, tree nodes and balances, each in one statement. Every read of the journal tables
    flushes first, so it sees what was saved. After a rollback the unit of work calls `forget`:
    the kept journals no longer match the database.
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: Every journal locked: the unit of work publishes their events at commit.
        self.seen: list[Journal] = []
        #: The journals locked in this unit of work, by campaign.
        self._locked: dict[uuid.UUID, Journal] = {}
        #: Per campaign, how many entries were saved (stored or held back): `save` takes only
        #: the others.
        self._saved_size: dict[uuid.UUID, int] = {}
        #: Per campaign, the saved entries not written yet, in seq order.
        self._unwritten: dict[uuid.UUID, list[StoredEntry]] = {}
        self._unwritten_backers: dict[tuple[uuid.UUID, uuid.UUID], dict[str, object]] = {}
        #: Per campaign, the pledges loaded (held or not): asked again, they need no query.
        self._known_pledges: dict[uuid.UUID, set[uuid.UUID]] = {}
        #: The leaves saved in this unit of work, by (campaign, seq), for their announcements.
        self._leaves: dict[tuple[uuid.UUID, int], StoredEntry] = {}

    # --- the write side -----------------------------------------------------------------------

    def lock(
        self, campaign_id: uuid.UUID, pledge_ids: Collection[uuid.UUID] = ()
    ) -> Journal | None:
        """The campaign's journal, its row locked until the transaction ends; None if unknown.

        On PostgreSQL the row lock makes concurrent appends to one campaign (two expenses racing
        for the last funds) wait for each other; SQLite's write lock, taken at BEGIN, does the
        same. `pledge_ids` are the pledges whose net contribution the operation needs.
        """
        journal = self._locked.get(campaign_id)
        if journal is None:
            journal = self._load(campaign_id, pledge_ids, for_update=True)
            if journal is not None:
                self._locked[campaign_id] = journal
            return journal
        # Those it knows already it holds newer than the database (they may be unwritten).
        self.load_pledges(journal, pledge_ids)
        return journal

    def read(self, campaign_id: uuid.UUID) -> Journal | None:
        """The campaign's journal as it stands, for asking its rules (nothing locked, nothing
        to save); None if unknown."""
        self.flush()
        return self._load(campaign_id, (), for_update=False)

    def evict(self, campaign_id: uuid.UUID) -> None:
        """Write what is held back and load the campaign's journal afresh when next locked
        (its campaign changed: a new budget)."""
        self.flush()
        self._locked.pop(campaign_id, None)
        self._known_pledges.pop(campaign_id, None)

    def _load(
        self, campaign_id: uuid.UUID, pledge_ids: Collection[uuid.UUID], *, for_update: bool
    ) -> Journal | None:
        if is_postgresql(self._connection):
            return self._load_at_once(campaign_id, pledge_ids, for_update=for_update)
        query = (
            sa.select(journals.c.size, campaigns.c.creator_id, campaigns.c.currency)
            .join(campaigns, campaigns.c.id == journals.c.campaign_id)
            .where(journals.c.campaign_id == campaign_id)
        )
        if for_update and is_postgresql(self._connection):
            query = query.with_for_update(of=journals)
        row = self._connection.execute(query).first()
        if row is None:
            return None
        budget = CampaignReadModel(self._connection).budget(campaign_id)
        balances = self._connection.execute(
            sa.select(account_balances.c.account, account_balances.c.balance).where(
                account_balances.c.campaign_id == campaign_id
            )
        ).all()
        reversals = self._connection.execute(
            sa.select(journal_entries.c.reverses_seq, journal_entries.c.seq).where(
                journal_entries.c.campaign_id == campaign_id,
                journal_entries.c.reverses_seq.is_not(None),
            )
        ).all()
        journal = Journal(
            campaign_id,
            creator_id=row.creator_id,
            currency=row.currency,
            budget={line["category"]: line["amount"] for line in budget},
            next_seq=row.size,
            balances=dict(balances),
            reversed_by=dict(reversals),
        )
        self.load_pledges(journal, pledge_ids)
        self._saved_size[campaign_id] = row.size
        self.seen.append(journal)
        return journal

    def _load_at_once(
        self, campaign_id: uuid.UUID, pledge_ids: Collection[uuid.UUID], *, for_update: bool
    ) -> Journal | None:
        """`_load` in one query (PostgreSQL): the journal's row, its budget, balances,
        reversals and the pledges asked for, each gathered as JSON beside the row (and the
        row lock before it), so a batch pays two round trips per campaign where it paid five."""
        if for_update:
            # The lock is a statement of its own: a statement's snapshot is taken before it
            # waits for a row lock, so a single locking query would read the balances as they
            # were before the transaction it waited for committed (two expenses racing for the
            # last funds would both pass: test_ledger_expense_race).
            locked = self._connection.execute(LOCK, {"campaign_id": campaign_id}).first()
            if locked is None:
                return None
        wanted = list(dict.fromkeys(pledge_ids))
        row = self._connection.execute(
            LOAD, {"campaign_id": campaign_id, "pledge_ids": wanted}
        ).first()
        if row is None:
            return None
        journal = Journal(
            campaign_id,
            creator_id=row.creator_id,
            currency=row.currency,
            budget={category: amount for category, amount in row.budget or ()},
            next_seq=row.size,
            balances={account: balance for account, balance in row.balances or ()},
            reversed_by={reverses: seq for reverses, seq in row.reversals or ()},
        )
        journal.pledge_balances.update(
            {uuid.UUID(pledge): balance for pledge, balance in row.pledges or ()}
        )
        self._known_pledges.setdefault(campaign_id, set()).update(wanted)
        self._saved_size[campaign_id] = row.size
        self.seen.append(journal)
        return journal

    def load_pledges(self, journal: Journal, pledge_ids: Collection[uuid.UUID]) -> None:
        """Add what these pledges contributed, net of refunds, to a journal loaded by `lock`;
        those loaded before in this unit of work are skipped (the journal holds them newer than
        the database may)."""
        known = self._known_pledges.setdefault(journal.campaign_id, set())
        wanted = [pledge_id for pledge_id in pledge_ids if pledge_id not in known]
        if not wanted:
            return
        if is_postgresql(self._connection):
            rows = self._connection.execute(
                PLEDGE_BALANCES, {"campaign_id": journal.campaign_id, "pledge_ids": wanted}
            )
        else:
            rows = self._connection.execute(
                sa.select(pledge_balances.c.pledge_id, pledge_balances.c.balance).where(
                    pledge_balances.c.campaign_id == journal.campaign_id,
                    pledge_balances.c.pledge_id.in_(wanted),
                )
            )
        journal.pledge_balances.update({row.pledge_id: row.balance for row in rows})
        known.update(wanted)

    def load_receipt_uses(self, journal: Journal, receipt_sha256: str) -> None:
        """Add the expenses naming this receipt to a journal loaded by `lock` (the journal then
        tells whether one of them is still in force)."""
        self.flush()
        seqs = self._connection.execute(
            sa.select(journal_entries.c.seq)
            .where(
                journal_entries.c.campaign_id == journal.campaign_id,
                journal_entries.c.receipt_sha256 == receipt_sha256,
                journal_entries.c.kind == "expense",
            )
            .order_by(journal_entries.c.seq)
        ).scalars()
        journal.receipt_uses[receipt_sha256] = list(seqs)

    def load_fee(self, journal: Journal, fee_kind: str, reference: str) -> None:
        """Add the fee of this kind recorded under the provider's `reference`, if any."""
        self.flush()
        amount = self._connection.execute(
            sa.select(journal_entries.c.amount).where(
                journal_entries.c.campaign_id == journal.campaign_id,
                journal_entries.c.kind == EntryKind.FEE.value,
                journal_entries.c.category == fee_kind,
                journal_entries.c.provider_reference == reference,
            )
        ).scalar_one_or_none()
        if amount is not None:
            journal.fee_amounts[(fee_kind, reference)] = amount

    def load_dispute(self, journal: Journal, reference: str) -> None:
        """Add where the dispute with the provider's `reference` stands, if it was opened."""
        self.flush()
        row = self._connection.execute(
            sa.select(disputes).where(
                disputes.c.campaign_id == journal.campaign_id, disputes.c.reference == reference
            )
        ).first()
        if row is not None:
            journal.disputes[reference] = Dispute(
                row.pledge_id, row.amount, row.status, row.opened_seq
            )

    def dispute_states(self, campaign_id: uuid.UUID) -> dict[str, Dispute]:
        """Every dispute of the campaign by the provider's reference, in the order opened."""
        self.flush()
        rows = self._connection.execute(
            sa.select(disputes)
            .where(disputes.c.campaign_id == campaign_id)
            .order_by(disputes.c.opened_seq)
        )
        return {
            row.reference: Dispute(row.pledge_id, row.amount, row.status, row.opened_seq)
            for row in rows
        }

    def save(self, journal: Journal) -> list[StoredEntry]:
        """Take the journal's entries not yet saved, to be written with their tree nodes and
        the journal's new state at the next `flush`; returns them as they will be stored.

        Its `events` stay for the unit of work to publish at commit."""
        self._save_disputes(journal)
        campaign_id = journal.campaign_id
        saved_size = self._saved_size.get(campaign_id, 0)
        new = [event.entry for event in journal.events if event.entry.seq >= saved_size]
        if not new:
            return []
        stored = [
            StoredEntry(entry, data, merkle.leaf_hash(data))
            for entry in new
            for data in [entry.leaf_data()]
        ]
        self._unwritten.setdefault(campaign_id, []).extend(stored)
        self._leaves.update(((campaign_id, s.entry.seq), s) for s in stored)
        self._saved_size[campaign_id] = new[-1].seq + 1
        self._locked.setdefault(campaign_id, journal)
        return stored

    def flush(self) -> None:
        """Write every saved entry not written yet: per campaign, its postings, entries, tree
        nodes and balances, each in one statement; then the backers noted."""
        unwritten, self._unwritten = self._unwritten, {}
        for campaign_id, stored in unwritten.items():
            self._write(self._locked[campaign_id], stored)
        backers, self._unwritten_backers = self._unwritten_backers, {}
        if not backers:
            return
        rows = list(backers.values())
        if is_postgresql(self._connection):
            self._connection.execute(
                UNNEST_BACKERS,
                {name: [row[name] for row in rows] for name in BACKER_COLUMNS},
            )
            return
        statement = dialect_insert(self._connection, pledge_backers).on_conflict_do_nothing()
        insert_rows(self._connection, statement, rows)

    def forget(self) -> None:
        """Drop the kept journals and what was held back: a rollback undid them."""
        self._locked.clear()
        self._saved_size.clear()
        self._unwritten.clear()
        self._unwritten_backers.clear()
        self._known_pledges.clear()
        self._leaves.clear()
        self.seen.clear()

    def stored_leaf(self, event: EntryAppended) -> tuple[bytes, bytes] | None:
        """The leaf data and hash `save` made for the event's entry, if it saved it."""
        stored = self._leaves.get((event.campaign_id, event.entry.seq))
        return None if stored is None else (stored.leaf_data, stored.leaf_hash)

    def _write(self, journal: Journal, stored: list[StoredEntry]) -> None:
        campaign_id = journal.campaign_id
        new = [s.entry for s in stored]
        if journal.next_seq != new[-1].seq + 1:
            # Its balances would then include an entry that is not written.
            raise RuntimeError(f"journal of {campaign_id} has entries appended but not saved")
        # Postings first: inserting the entry checks, in the database, that they net out.
        copy_rows(
            self._connection,
            journal_postings,
            [
                {
                    "campaign_id": campaign_id,
                    "seq": entry.seq,
                    "position": position,
                    "account": posting.account,
                    "amount": posting.amount,
                }
                for entry in new
                for position, posting in enumerate(entry.postings)
            ],
        )
        copy_rows(self._connection, journal_entries, [_entry_row(campaign_id, s) for s in stored])
        nodes = SqlNodeStore(self._connection, campaign_id)
        first = new[0].seq
        nodes.add(merkle.nodes_for_appends(nodes, first, [s.leaf_hash for s in stored]))
        # Balances as they stand after the last entry written: the journal holds no entry
        # beyond those (a later `save` would have taken it).
        touched_accounts = {p.account for entry in new for p in entry.postings}
        self._upsert(
            account_balances,
            "account",
            campaign_id,
            {account: journal.balances[account] for account in touched_accounts},
        )
        touched_pledges = {entry.pledge_id for entry in new if entry.pledge_id is not None}
        self._upsert(
            pledge_balances,
            "pledge_id",
            campaign_id,
            {pledge: journal.pledge_balances[pledge] for pledge in touched_pledges},
        )
        self._connection.execute(
            journals.update()
            .where(journals.c.campaign_id == campaign_id)
            .values(size=new[-1].seq + 1)
        )

    def _save_disputes(self, journal: Journal) -> None:
        """Write where the disputes the journal holds stand (few: those an operation named)."""
        if not journal.disputes:
            return
        statement = dialect_insert(self._connection, disputes)
        statement = statement.on_conflict_do_update(
            index_elements=["campaign_id", "reference"],
            set_={"status": statement.excluded.status},
        )
        self._connection.execute(
            statement,
            [
                {
                    "campaign_id": journal.campaign_id,
                    "reference": reference,
                    "pledge_id": dispute.pledge_id,
                    "amount": dispute.amount,
                    "status": dispute.status,
                    "opened_seq": dispute.opened_seq,
                }
                for reference, dispute in journal.disputes.items()
            ],
        )

    def _upsert(
        self, table: sa.Table, key: str, campaign_id: uuid.UUID, values: dict[object, int]
    ) -> None:
        if not values:
            return
        if is_postgresql(self._connection):
            # One statement text whatever the count: psycopg converts it once per process,
            # where a multi-row INSERT of each batch's size is parsed again every batch.
            self._connection.execute(
                unnest_balance_upsert(table.name, key),
                {
                    "campaign_id": campaign_id,
                    "keys": list(values),
                    "balances": list(values.values()),
                },
            )
            return
        statement = balance_upsert(self._connection.dialect.name, table, key)
        rows = [{"campaign_id": campaign_id, key: k, "balance": v} for k, v in values.items()]
        insert_rows(self._connection, statement, rows)

    # --- the read side ------------------------------------------------------------------------

    def size(self, campaign_id: uuid.UUID) -> int | None:
        """How many entries the journal holds (the log's tree size); None if there is none."""
        self.flush()
        return self._connection.execute(
            sa.select(journals.c.size).where(journals.c.campaign_id == campaign_id)
        ).scalar_one_or_none()

    def entry(self, campaign_id: uuid.UUID, seq: int) -> Entry | None:
        self.flush()
        data = self._connection.execute(
            sa.select(journal_entries.c.leaf_data).where(
                journal_entries.c.campaign_id == campaign_id, journal_entries.c.seq == seq
            )
        ).scalar_one_or_none()
        return None if data is None else Entry.from_leaf(data)

    def page(
        self,
        campaign_id: uuid.UUID,
        after_seq: int,
        limit: int,
        kinds: Collection[EntryKind] | None = None,
    ) -> list[tuple[bytes, bytes]]:
        """(leaf data, leaf hash) of up to `limit` entries after `after_seq`, in seq order; only
        entries of `kinds` when given."""
        self.flush()
        query = sa.select(journal_entries.c.leaf_data, journal_entries.c.leaf_hash).where(
            journal_entries.c.campaign_id == campaign_id, journal_entries.c.seq > after_seq
        )
        if kinds is not None:
            query = query.where(journal_entries.c.kind.in_([kind.value for kind in kinds]))
        rows = self._connection.execute(query.order_by(journal_entries.c.seq).limit(limit))
        return [(row.leaf_data, row.leaf_hash) for row in rows]

    def balances(self, campaign_id: uuid.UUID) -> dict[str, int]:
        self.flush()
        rows = self._connection.execute(
            sa.select(account_balances.c.account, account_balances.c.balance).where(
                account_balances.c.campaign_id == campaign_id
            )
        )
        return {row.account: row.balance for row in rows}

    def holds_receipt(self, campaign_id: uuid.UUID, sha256: str) -> bool:
        """Whether an expense of this campaign names a receipt with that SHA-256."""
        self.flush()
        return (
            self._connection.execute(
                sa.select(journal_entries.c.seq)
                .where(
                    journal_entries.c.campaign_id == campaign_id,
                    journal_entries.c.receipt_sha256 == sha256,
                )
                .limit(1)
            ).first()
            is not None
        )

    def node_store(self, campaign_id: uuid.UUID) -> SqlNodeStore:
        self.flush()
        return SqlNodeStore(self._connection, campaign_id)

    def record_backer(
        self, campaign_id: uuid.UUID, pledge_id: uuid.UUID, backer_id: uuid.UUID, now: datetime
    ) -> None:
        """Note the backer account behind a pledge (for auditors' exports); the first one stays.
        Written at the next `flush`."""
        self._unwritten_backers.setdefault(
            (campaign_id, pledge_id),
            {
                "campaign_id": campaign_id,
                "pledge_id": pledge_id,
                "backer_id": backer_id,
                "recorded_at": now,
            },
        )


def stream_leaves(
    engine: Engine, campaign_id: uuid.UUID, tree_size: int, batch: int = 1000
) -> Iterator[bytes]:
    """The leaf data of entries 0 … tree_size-1, in order, read in batches on a connection of
    its own (entries never change, so no transaction has to span the whole export)."""
    after = -1
    while after + 1 < tree_size:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(journal_entries.c.seq, journal_entries.c.leaf_data)
                .where(
                    journal_entries.c.campaign_id == campaign_id,
                    journal_entries.c.seq > after,
                    journal_entries.c.seq < tree_size,
                )
                .order_by(journal_entries.c.seq)
                .limit(batch)
            ).all()
        if not rows:
            return
        for row in rows:
            yield row.leaf_data
        after = rows[-1].seq


def _entry_row(campaign_id: uuid.UUID, stored: StoredEntry) -> dict[str, object]:
    entry = stored.entry
    return {
        "campaign_id": campaign_id,
        "seq": entry.seq,
        "kind": entry.kind.value,
        "amount": entry.amount,
        "currency": entry.currency,
        "category": entry.category,
        "memo": entry.memo,
        "vendor": entry.vendor,
        "incurred_on": entry.incurred_on,
        "receipt_sha256": entry.receipt_sha256,
        "pledge_id": entry.pledge_id,
        "reverses_seq": entry.reverses_seq,
        "event_id": entry.event_id,
        "recorded_by": entry.recorded_by,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "leaf_data": stored.leaf_data,
        "leaf_hash": stored.leaf_hash,
        "provider_reference": entry.provider_reference,
        "provider_event_id": entry.provider_event_id,
    }
