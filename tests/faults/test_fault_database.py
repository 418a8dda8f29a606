"""R9: PostgreSQL restarts under a running API and a running consumer.

The machine's PostgreSQL serves everyone's tests, so the cluster is not restarted: the test
makes its own databases and takes them away as a restart would, and only them. Every
connection to them is cut (`pg_terminate_backend`, what a shutdown does to its clients) and
new ones are refused (`ALTER DATABASE … ALLOW_CONNECTIONS false`, "the database system is
starting up" in effect) for a few seconds, then let in again.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from shared.db import UnitOfWork, make_engine
from shared.events.catalog import AccountRevoked
from tests.factories import bearer, campaign_body, create_account, make_app
from tests.faults.fault_support import (
    ConsumerThread,
    account_of,
    create_plumbing,
    effect_accounts,
    lost_and_duplicated,
    pipeline_consumer,
    record_effect,
    revocation,
    send_events,
    wait_for,
)

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

EVENTS = 300
OUTAGE_SECONDS = 3.0


@contextlib.contextmanager
def restarting(admin_url: str, database_urls: list[str]) -> Iterator[None]:
    """The databases are down (connections cut, new ones refused) inside the block."""
    names = [sa.make_url(url).database for url in database_urls]
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": name},
                )
        yield
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()


def test_r9_a_postgresql_restart_refuses_requests_with_503_and_loses_no_event(
    postgres_admin_url: str,
    postgres_database_factory: Callable[[], str],
    kafka_bootstrap: str,
    topic: str,
    tmp_path: Path,
    report: Callable[..., Any],
) -> None:
    pledges_url, consumer_url = postgres_database_factory(), postgres_database_factory()
    app = make_app("pledges", pledges_url, tmp_path)
    _, creator = create_account(app, "creator")
    client = app.test_client()
    before = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator))
    assert before.status_code == 201, before.json

    engine = make_engine(consumer_url)
    create_plumbing(engine)

    def slow_effect(event: AccountRevoked, uow: UnitOfWork) -> None:
        time.sleep(0.005)  # so the restart lands while the consumer is busy
        record_effect(event, uow)

    sent = [revocation() for _ in range(EVENTS)]
    member = ConsumerThread(
        pipeline_consumer(
            kafka_bootstrap,
            topic,
            engine,
            f"fault-r9-{uuid.uuid4().hex[:8]}",
            {"account.revoked": slow_effect},
            max_poll_records=50,
        )
    )
    refusals: list[Any] = []
    try:
        send_events(kafka_bootstrap, topic, sent)
        wait_for(lambda: len(effect_accounts(engine)) >= 50, 60, "the consumer to get going")
        with restarting(postgres_admin_url, [pledges_url, consumer_url]):
            down_until = time.monotonic() + OUTAGE_SECONDS
            while time.monotonic() < down_until:
                refusals.append(
                    client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator))
                )
                time.sleep(0.3)
            ready = client.get("/readyz")
        after = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator))
        wait_for(lambda: len(effect_accounts(engine)) >= EVENTS, 90, "the consumer to finish")
        time.sleep(1)  # a duplicate would land now
    finally:
        member.end()
    lost, duplicated = lost_and_duplicated(map(account_of, sent), effect_accounts(engine))
    engine.dispose()
    app.extensions["fundtrail"].engine.dispose()
    statuses = [response.status_code for response in refusals]
    report(
        9,
        "PostgreSQL restart",
        produced=EVENTS,
        faults=1,
        lost=lost,
        duplicated=duplicated,
        requests_refused=f"{statuses.count(503)}/{len(statuses)}",
    )
    assert member.error is None, member.error
    assert statuses and set(statuses) == {503}, statuses
    for response in refusals:
        assert response.mimetype == "application/problem+json"
        assert int(response.headers["Retry-After"]) > 0
        assert response.json["status"] == 503
        assert "database" in response.json["detail"]
    assert ready.status_code == 503
    # Back up: the pool drops its dead connections and the next request goes through.
    assert after.status_code == 201, after.json
