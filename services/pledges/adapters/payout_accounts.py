"""Creators' payout accounts in the pledges database: one row per creator."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import payout_accounts
from services.pledges.domain.payouts import PayoutAccountState
from shared.db import is_postgresql


class PayoutAccountRepository:
    def __init__(self, connection: Connection) -> None:
        self.conn = connection

    def of_creator(
        self, creator_id: uuid.UUID, *, for_update: bool = False
    ) -> PayoutAccountState | None:
        return self._one(payout_accounts.c.creator_id == creator_id, for_update)

    def by_account_id(
        self, account_id: str, *, for_update: bool = False
    ) -> PayoutAccountState | None:
        return self._one(payout_accounts.c.account_id == account_id, for_update)

    def add_if_absent(self, state: PayoutAccountState) -> bool:
        """Keep a new account unless the creator has one already (two requests racing); True
        if this one was kept."""
        from sqlalchemy.dialects import postgresql, sqlite

        dialect = postgresql if is_postgresql(self.conn) else sqlite
        insert = dialect.insert(payout_accounts).values(**_row(state)).on_conflict_do_nothing()
        return bool(self.conn.execute(insert).rowcount)

    def save(self, state: PayoutAccountState) -> None:
        self.conn.execute(
            sa.update(payout_accounts)
            .where(payout_accounts.c.creator_id == state.creator_id)
            .values(**_row(state))
        )

    def _one(self, condition: Any, for_update: bool) -> PayoutAccountState | None:
        query = sa.select(payout_accounts).where(condition)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).mappings().first()
        return None if row is None else PayoutAccountState(**row)


def _row(state: PayoutAccountState) -> dict[str, Any]:
    return {
        "creator_id": state.creator_id,
        "account_id": state.account_id,
        "details_submitted": state.details_submitted,
        "charges_enabled": state.charges_enabled,
        "payouts_enabled": state.payouts_enabled,
        "updated_at": state.updated_at,
    }
