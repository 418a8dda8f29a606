"""What every service does with `accounts.events`: remember revocations to refuse their tokens."""

from __future__ import annotations

from collections.abc import Callable

from shared.db import UnitOfWork
from shared.events.catalog import AccountRevoked, TokenRevoked


def on_account_revoked(event: AccountRevoked, uow: UnitOfWork) -> None:
    uow.revoke_account(event.account_id, event.occurred_at)


def on_token_revoked(event: TokenRevoked, uow: UnitOfWork) -> None:
    uow.revoke_token(event.token_id, event.account_id, event.occurred_at, event.expires_at)


ACCOUNT_HANDLERS: dict[str, Callable[..., None]] = {
    "account.revoked": on_account_revoked,
    "token.revoked": on_token_revoked,
}
