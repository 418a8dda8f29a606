"""The Merkle log's stored subtree hashes: a NodeStore over the `merkle_nodes` table."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import merkle_nodes
from services.ledger.domain.merkle import Node, NodeKey
from shared.db import copy_rows


class SqlNodeStore:
    """One campaign's nodes; each root or proof reads what it needs in a single query."""

    def __init__(self, connection: Connection, campaign_id: uuid.UUID) -> None:
        self._connection = connection
        self._campaign_id = campaign_id

    def get_nodes(self, keys: Sequence[NodeKey]) -> Mapping[NodeKey, bytes]:
        if not keys:
            return {}
        by_level: dict[int, list[int]] = defaultdict(list)
        for level, index in keys:
            by_level[level].append(index)
        table = merkle_nodes
        # One indexed lookup per level, glued with UNION ALL: an OR of (level, idx) pairs makes
        # SQLite scan every node of the campaign, which would turn O(log n) into O(n).
        query = sa.union_all(
            *(
                sa.select(table.c.level, table.c.idx, table.c.hash).where(
                    table.c.campaign_id == self._campaign_id,
                    table.c.level == level,
                    table.c.idx.in_(indexes),
                )
                for level, indexes in sorted(by_level.items())
            )
        )
        return {(row.level, row.idx): row.hash for row in self._connection.execute(query)}

    def add(self, nodes: Iterable[Node]) -> None:
        rows = [
            {"campaign_id": self._campaign_id, "level": level, "idx": index, "hash": value}
            for level, index, value in nodes
        ]
        copy_rows(self._connection, merkle_nodes, rows)
