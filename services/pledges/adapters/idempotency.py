"""The first answer to each idempotency key, kept per account in the pledges database."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import idempotency_keys
from shared.db import is_postgresql


@dataclass(frozen=True)
class RecordedResponse:
    """What a request sent with an idempotency key was first answered."""

    #: SHA-256 (hex) of the request: a retry must send the very same one.
    request_hash: str
    status_code: int
    body: dict[str, Any]


class IdempotencyKeyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(self, account_id: uuid.UUID, key: str) -> RecordedResponse | None:
        row = self._connection.execute(
            sa.select(
                idempotency_keys.c.request_hash,
                idempotency_keys.c.status_code,
                idempotency_keys.c.body,
            ).where(idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key)
        ).first()
        if row is None:
            return None
        return RecordedResponse(row.request_hash, row.status_code, json.loads(row.body))

    def remember(
        self, account_id: uuid.UUID, key: str, response: RecordedResponse, now: datetime
    ) -> bool:
        """Keep `response` for `key`; False if another transaction already kept one.

        On PostgreSQL a concurrent first use of the same key waits here for the other
        transaction and, once it commits, finds the key taken: exactly one request wins.
        """
        values = {
            "account_id": account_id,
            "key": key,
            "request_hash": response.request_hash,
            "status_code": response.status_code,
            "body": json.dumps(response.body, separators=(",", ":")),
            "created_at": now,
        }
        insert = (
            postgresql.insert(idempotency_keys)
            if is_postgresql(self._connection)
            else sqlite.insert(idempotency_keys)
        )
        # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
        statement = (
            insert.values(**values).on_conflict_do_nothing().returning(idempotency_keys.c.key)
        )
        return self._connection.execute(statement).first() is not None
