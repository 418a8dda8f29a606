"""What every service does with `accounts.events`: remember revocations to refuse their tokens."""

from __future__ import annotations

from shared.db import UnitOfWork
from shared.events import Envelope


def on_account_revoked(envelope: Envelope, uow: UnitOfWork) -> None:
    uow.revoke_account(envelope.payload["account_id"], envelope.occurred_at)


ACCOUNT_HANDLERS = {"account.revoked": on_account_revoked}
