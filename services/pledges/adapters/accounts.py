"""Accounts in the pledges database."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import accounts
from services.pledges.domain.accounts import Account, Role


class AccountRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, account: Account) -> None:
        self._connection.execute(
            accounts.insert().values(
                id=account.id,
                role=account.role.value,
                name=account.name,
                email=account.email,
                created_at=account.created_at,
                revoked_at=account.revoked_at,
            )
        )

    def get(self, account_id: uuid.UUID) -> Account | None:
        row = (
            self._connection.execute(sa.select(accounts).where(accounts.c.id == account_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return Account(**{**row, "role": Role(row["role"])})

    def save_revocation(self, account: Account) -> None:
        self._connection.execute(
            accounts.update()
            .where(accounts.c.id == account.id)
            .values(revoked_at=account.revoked_at)
        )
