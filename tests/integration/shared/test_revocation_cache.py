"""Revocations held in memory: honoured at once when this process commits them, within the
refresh interval when another process does, and a rolled-back one is never believed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from shared.auth import CLOCK_LEEWAY
from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.revocations import RevocationCache

pytestmark = pytest.mark.both_databases

metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
NOW = datetime.now(UTC)


class Ticks:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def cache(engine: sa.Engine, ticks: Ticks, refresh: float = 5.0) -> RevocationCache:
    return RevocationCache(
        engine,
        TABLES["revoked_accounts"],
        TABLES["revoked_tokens"],
        refresh=refresh,
        leeway=CLOCK_LEEWAY,
        monotonic=ticks,
    )


def revoked_elsewhere(engine: sa.Engine, account_id: uuid.UUID, token_id: uuid.UUID) -> None:
    """What another process (a worker, the CLI, a consumer) leaves behind: rows, no signal."""
    with engine.begin() as connection:
        connection.execute(
            TABLES["revoked_accounts"].insert().values(account_id=account_id, revoked_at=NOW)
        )
        connection.execute(
            TABLES["revoked_tokens"]
            .insert()
            .values(
                token_id=token_id,
                account_id=uuid.uuid4(),
                revoked_at=NOW,
                expires_at=NOW + timedelta(days=1),
            )
        )


def test_another_process_s_revocation_is_honoured_within_the_refresh_interval(
    engine: sa.Engine,
) -> None:
    ticks = Ticks()
    revocations = cache(engine, ticks, refresh=5.0)
    account, token = uuid.uuid4(), uuid.uuid4()
    assert not revocations.is_account_revoked(account)  # the first read

    revoked_elsewhere(engine, account, token)
    ticks.now += 4.9
    # The bound, and no more: until the interval is up this process has not looked again.
    assert not revocations.is_account_revoked(account)
    ticks.now += 0.1
    assert revocations.is_account_revoked(account)
    assert revocations.is_token_revoked(token)
    assert not revocations.is_token_revoked(uuid.uuid4())


def test_a_revocation_committed_in_this_process_is_honoured_at_once(engine: sa.Engine) -> None:
    ticks = Ticks()
    revocations = cache(engine, ticks, refresh=3600.0)
    account, token = uuid.uuid4(), uuid.uuid4()
    assert not revocations.is_token_revoked(token)

    with UnitOfWork(engine, TABLES, "test") as uow:
        uow.revoke_account(account, NOW)
        uow.revoke_token(token, account, NOW, NOW + timedelta(hours=1))
        # Not before the commit: a read now would miss the rows and be trusted for an hour.
        assert not revocations.is_token_revoked(token)
        uow.commit()

    assert revocations.is_account_revoked(account)
    assert revocations.is_token_revoked(token)


def test_a_rolled_back_revocation_is_not_believed(engine: sa.Engine) -> None:
    revocations = cache(engine, Ticks(), refresh=0.0)
    account = uuid.uuid4()
    with UnitOfWork(engine, TABLES, "test") as uow:
        uow.revoke_account(account, NOW)
    assert not revocations.is_account_revoked(account)


def test_tokens_long_expired_are_not_held(engine: sa.Engine) -> None:
    """Past `exp` and the leeway the verifier refuses a token as expired: its row is dropped
    from memory, so the set stays as small as the tokens still alive."""
    revocations = cache(engine, Ticks(), refresh=0.0)
    alive, dead = uuid.uuid4(), uuid.uuid4()
    with UnitOfWork(engine, TABLES, "test") as uow:
        uow.revoke_token(alive, uuid.uuid4(), NOW, datetime.now(UTC) - CLOCK_LEEWAY)
        uow.revoke_token(dead, uuid.uuid4(), NOW, datetime.now(UTC) - 3 * CLOCK_LEEWAY)
        uow.commit()
    assert revocations.is_token_revoked(alive)
    assert not revocations.is_token_revoked(dead)


def test_a_negative_interval_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="negative"):
        cache(engine, Ticks(), refresh=-1.0)
