"""Revoked accounts and tokens, held in memory so that checking a token costs no query.

Every request used to ask the database twice (a pool checkout, a ping, a `SELECT` and a
rollback each) whether the caller's account or token was revoked: more round trips than the
pledge itself. The sets are small (accounts revoked for good, and tokens revoked but not yet
expired), so each process keeps them and reads them again:

- at most `refresh` seconds after it last read them: a revocation committed by another process
  (another gunicorn worker, the CLI, this service's consumer in its own process) is honoured
  here within `refresh` seconds plus one reload;
- at once after any unit of work in this process commits a revocation
  (`revocations_recorded`), so the process that revoked a token refuses it on the next request.

`refresh` 0 reads the tables on every check, as before.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

#: Bumped after this process commits a revocation; a cache read before it is out of date.
_recorded = 0
_recorded_lock = threading.Lock()


def revocations_recorded() -> None:
    """Tell every cache in this process that a revocation was just committed."""
    global _recorded
    with _recorded_lock:
        _recorded += 1


@dataclass(frozen=True)
class _Snapshot:
    accounts: frozenset[uuid.UUID]
    tokens: frozenset[uuid.UUID]
    #: `monotonic()` when the read began: anything committed before then is in the sets.
    read_at: float
    #: `_recorded` when the read began.
    generation: int


class RevocationCache:
    """`is_account_revoked` and `is_token_revoked` for a `TokenVerifier`, from memory."""

    def __init__(
        self,
        engine: Engine,
        revoked_accounts: sa.Table,
        revoked_tokens: sa.Table,
        *,
        refresh: float,
        leeway: timedelta,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if refresh < 0:
            raise ValueError("the revocation refresh interval cannot be negative")
        self._engine = engine
        self._accounts = revoked_accounts
        self._tokens = revoked_tokens
        self._refresh = refresh
        # A token past `exp` plus the verifier's leeway is refused as expired: its row need not
        # be held. One more leeway covers a check made a little after the read.
        self._forget_after = 2 * leeway
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def is_account_revoked(self, account_id: uuid.UUID) -> bool:
        return account_id in self._current().accounts

    def is_token_revoked(self, token_id: uuid.UUID) -> bool:
        return token_id in self._current().tokens

    def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and not self._stale(snapshot):
            return snapshot
        # One thread reads; the others wait for its answer rather than read the same rows.
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or self._stale(snapshot):
                snapshot = self._snapshot = self._read()
            return snapshot

    def _stale(self, snapshot: _Snapshot) -> bool:
        return (
            snapshot.generation != _recorded
            or self._monotonic() - snapshot.read_at >= self._refresh
        )

    def _read(self) -> _Snapshot:
        generation, read_at = _recorded, self._monotonic()
        horizon = datetime.now(UTC) - self._forget_after
        with self._engine.connect() as connection:
            accounts = frozenset(
                connection.execute(sa.select(self._accounts.c.account_id)).scalars()
            )
            tokens = frozenset(
                connection.execute(
                    sa.select(self._tokens.c.token_id).where(self._tokens.c.expires_at > horizon)
                ).scalars()
            )
        return _Snapshot(accounts, tokens, read_at, generation)
