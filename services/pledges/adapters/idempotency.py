"""The first outcome of each idempotency key, kept per account in the pledges database.

An outcome is the pledge as that request left it and whether the request made it or changed
one; entrypoints answer a retry from it exactly as they answered the first request.
"""

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
from services.pledges.domain import Pledge, PledgeStatus
from shared.db import is_postgresql

#: The `status_code` column, named for what it first held, says whether the pledge was new.
_NEW, _CHANGED = 201, 200


@dataclass(frozen=True)
class RecordedPledge:
    """What a request sent with an idempotency key first did."""

    #: SHA-256 (hex) of the request: a retry must send the very same one.
    request_hash: str
    #: The pledge as that request left it (a snapshot: later changes are not in it).
    pledge: Pledge
    #: True if the request made the pledge, False if it changed the backer's active one.
    created: bool


class IdempotencyKeyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def find(self, account_id: uuid.UUID, key: str) -> RecordedPledge | None:
        row = self._connection.execute(
            sa.select(
                idempotency_keys.c.request_hash,
                idempotency_keys.c.status_code,
                idempotency_keys.c.body,
            ).where(idempotency_keys.c.account_id == account_id, idempotency_keys.c.key == key)
        ).first()
        if row is None:
            return None
        pledge = _pledge_from_json(json.loads(row.body))
        return RecordedPledge(row.request_hash, pledge, created=row.status_code == _NEW)

    def remember(
        self, account_id: uuid.UUID, key: str, outcome: RecordedPledge, now: datetime
    ) -> bool:
        """Keep `outcome` for `key`; False if another transaction already kept one.

        On PostgreSQL a concurrent first use of the same key waits here for the other
        transaction and, once it commits, finds the key taken: exactly one request wins.
        """
        values = {
            "account_id": account_id,
            "key": key,
            "request_hash": outcome.request_hash,
            "status_code": _NEW if outcome.created else _CHANGED,
            "body": json.dumps(_pledge_json(outcome.pledge), separators=(",", ":")),
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


# Rows written before outcomes were kept this way hold the answer's body, which has these same
# names and spellings (UUIDs as strings, RFC 3339 times) without `payment_reference`.


def _pledge_json(pledge: Pledge) -> dict[str, Any]:
    return {
        "id": str(pledge.id),
        "campaign_id": str(pledge.campaign_id),
        "backer_id": str(pledge.backer_id),
        "status": pledge.status.value,
        "amount": pledge.amount,
        "currency": pledge.currency,
        "tier_id": None if pledge.tier_id is None else str(pledge.tier_id),
        "refunded_amount": pledge.refunded_amount,
        "payment_reference": pledge.payment_reference,
        "created_at": pledge.created_at.isoformat(),
        "updated_at": pledge.updated_at.isoformat(),
    }


def _pledge_from_json(data: dict[str, Any]) -> Pledge:
    tier_id = data.get("tier_id")
    return Pledge(
        id=uuid.UUID(data["id"]),
        campaign_id=uuid.UUID(data["campaign_id"]),
        backer_id=uuid.UUID(data["backer_id"]),
        status=PledgeStatus(data["status"]),
        amount=data["amount"],
        currency=data["currency"],
        tier_id=None if tier_id is None else uuid.UUID(tier_id),
        refunded_amount=data["refunded_amount"],
        payment_reference=data.get("payment_reference"),
        created_at=datetime.fromisoformat(data["created_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )
