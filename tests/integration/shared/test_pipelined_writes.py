"""Writes sent together with their commit (`UnitOfWork.pipelined`): all kept when it commits,
none when one of them fails, and the pooled connection fine for the next unit of work."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from shared.db import UnitOfWork, add_plumbing_tables, make_engine
from shared.events import Envelope, new_envelope

pytestmark = pytest.mark.both_databases

metadata = sa.MetaData()
TABLES = add_plumbing_tables(metadata)
NOW = datetime.now(UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    # One pooled connection: the unit of work after a failed pipeline gets the same one back.
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def revoke(uow: UnitOfWork, account_id: uuid.UUID) -> None:
    uow.conn.execute(
        TABLES["revoked_accounts"].insert(), {"account_id": account_id, "revoked_at": NOW}
    )


def envelope() -> Envelope:
    payload = {"account_id": uuid.uuid4(), "reason": "test"}
    return new_envelope("account.revoked", payload, producer="test", campaign_id=None)


def stored(engine: sa.Engine) -> tuple[set[uuid.UUID], int]:
    with engine.connect() as connection:
        accounts = set(
            connection.execute(sa.select(TABLES["revoked_accounts"].c.account_id)).scalars()
        )
        outbox = connection.execute(
            sa.select(sa.func.count()).select_from(TABLES["outbox"])
        ).scalar_one()
    return accounts, outbox


def test_pipelined_writes_commit_together(engine: sa.Engine) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    uow = UnitOfWork(engine, TABLES, producer="pledges")
    with uow, uow.pipelined():
        revoke(uow, first)
        revoke(uow, second)
        uow.publish("pledges.events", envelope())
        uow.commit()
    assert stored(engine) == ({first, second}, 1)


def test_a_failing_write_in_the_pipeline_keeps_nothing_of_it(engine: sa.Engine) -> None:
    taken, fresh = uuid.uuid4(), uuid.uuid4()
    uow = UnitOfWork(engine, TABLES, producer="pledges")
    with uow:
        revoke(uow, taken)
        uow.commit()
    with pytest.raises(sa.exc.IntegrityError), uow, uow.pipelined():
        revoke(uow, fresh)
        uow.publish("pledges.events", envelope())
        revoke(uow, taken)  # the primary key is taken: the whole transaction goes
        uow.commit()
    assert stored(engine) == ({taken}, 0)
    with uow:  # the same pooled connection, usable again
        revoke(uow, fresh)
        uow.commit()
    assert stored(engine) == ({taken, fresh}, 0)
