"""Accounts, and the tokens issued to them, in the pledges database."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import accounts, api_tokens
from services.pledges.domain.accounts import Account, ApiToken, Role


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

    def add_token(self, token: ApiToken) -> None:
        self._connection.execute(
            api_tokens.insert().values(
                id=token.id,
                account_id=token.account_id,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )

    def get_token(self, token_id: uuid.UUID, *, for_update: bool = False) -> ApiToken | None:
        """The token's record; `for_update` locks it so two revocations do not both publish."""
        query = sa.select(api_tokens).where(api_tokens.c.id == token_id)
        if for_update:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else ApiToken(**row)

    def save_token_revocation(self, token: ApiToken) -> None:
        self._connection.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token.id)
            .values(revoked_at=token.revoked_at)
        )
