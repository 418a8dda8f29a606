"""Reading a campaign's entries for an export: keyset pages, each on a short connection."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from services.ledger.adapters.tables import journal_entries, pledge_backers
from services.ledger.exports.entries import ExportEntry, entry_from_leaf

#: Entries per page: one query per page, and at most this many rows held at once.
PAGE = 2000


def stream_entries(
    engine: Engine,
    campaign_id: uuid.UUID,
    tree_size: int,
    *,
    backers: bool = False,
    page: int = PAGE,
) -> Iterator[ExportEntry]:
    """Entries 0 … tree_size-1 in seq order, with their pledge's backer when `backers`.

    Each page is read on a connection of its own and released before its rows are handed out:
    entries never change, so nothing needs a transaction spanning the export, and a client
    reading slowly holds no connection (nor, on SQLite, a lock) between pages.
    """
    columns = [journal_entries.c.seq, journal_entries.c.leaf_data, journal_entries.c.leaf_hash]
    source: sa.FromClause = journal_entries
    if backers:
        columns.append(pledge_backers.c.backer_id)
        source = journal_entries.outerjoin(
            pledge_backers,
            sa.and_(
                pledge_backers.c.campaign_id == journal_entries.c.campaign_id,
                pledge_backers.c.pledge_id == journal_entries.c.pledge_id,
            ),
        )
    after = -1
    while after + 1 < tree_size:
        query = (
            sa.select(*columns)
            .select_from(source)
            .where(
                journal_entries.c.campaign_id == campaign_id,
                journal_entries.c.seq > after,
                journal_entries.c.seq < tree_size,
            )
            .order_by(journal_entries.c.seq)
            .limit(page)
        )
        with engine.connect() as connection:
            rows = connection.execute(query).all()
        if not rows:
            return
        for row in rows:
            yield entry_from_leaf(row[1], row[2], row[3] if backers else None)
        after = rows[-1][0]
