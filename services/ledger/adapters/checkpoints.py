"""Published checkpoints, kept verbatim: the latest one, any earlier one by tree size."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.journal_sql import dialect_insert
from services.ledger.adapters.tables import checkpoints


@dataclass(frozen=True)
class PublishedCheckpoint:
    """A signed checkpoint as the ledger published it."""

    campaign_id: uuid.UUID
    tree_size: int
    root_hash: bytes
    #: The whole C2SP signed note, exactly as served.
    note: str
    published_at: datetime


class CheckpointRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: The latest checkpoint of each campaign asked about in this unit of work: the worker
        #: asks once per announcement it hears, a poll batch holding hundreds of one campaign.
        self._latest: dict[uuid.UUID, PublishedCheckpoint | None] = {}

    def latest(self, campaign_id: uuid.UUID) -> PublishedCheckpoint | None:
        if campaign_id not in self._latest:
            self._latest[campaign_id] = self._one(
                sa.select(checkpoints)
                .where(checkpoints.c.campaign_id == campaign_id)
                .order_by(checkpoints.c.tree_size.desc())
                .limit(1)
            )
        return self._latest[campaign_id]

    def forget(self) -> None:
        """A rollback undid what this unit of work stored."""
        self._latest.clear()

    def at(self, campaign_id: uuid.UUID, tree_size: int) -> PublishedCheckpoint | None:
        return self._one(
            sa.select(checkpoints).where(
                checkpoints.c.campaign_id == campaign_id, checkpoints.c.tree_size == tree_size
            )
        )

    def add(self, checkpoint: PublishedCheckpoint) -> bool:
        """Store a checkpoint; False when one of that tree size was already published.

        Two publishers (the worker and an on-demand request) may sign the same size at once:
        Ed25519 signatures are deterministic, so both notes are the same and one row is kept.
        """
        statement = (
            dialect_insert(self._connection, checkpoints)
            .values(
                campaign_id=checkpoint.campaign_id,
                tree_size=checkpoint.tree_size,
                root_hash=checkpoint.root_hash,
                note=checkpoint.note,
                published_at=checkpoint.published_at,
            )
            .on_conflict_do_nothing()
            .returning(checkpoints.c.tree_size)
        )
        added = self._connection.execute(statement).first() is not None
        latest = self._latest.get(checkpoint.campaign_id)
        if added and (latest is None or latest.tree_size < checkpoint.tree_size):
            self._latest[checkpoint.campaign_id] = checkpoint
        elif not added:
            self._latest.pop(checkpoint.campaign_id, None)  # another publisher got there
        return added

    def _one(self, query: sa.Select[tuple[object, ...]]) -> PublishedCheckpoint | None:
        row = self._connection.execute(query).mappings().first()
        return None if row is None else PublishedCheckpoint(**row)
