"""Kafka goes away: the API keeps accepting writes, and the relay delivers them when it is back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer

from infra.broker import LocalBroker, ensure_topics, find_free_port, jar_dir
from services.registry import bootstrap
from shared.events import decode
from shared.topics import ALL_TOPICS, PLEDGES
from shared.worker import run_worker
from tests.conftest import unavailable
from tests.factories import bearer, campaign_body, create_account, make_app, service_settings

pytestmark = pytest.mark.kafka


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker of this test's own, to stop and start again."""
    broker = LocalBroker(
        tmp_path_factory.mktemp("outage-kafka"),
        port=find_free_port(),
        controller_port=find_free_port(),
    )
    try:
        broker.libs = jar_dir()
        broker.start()
    except Exception as exc:  # noqa: BLE001
        broker.stop()
        unavailable(f"could not start a local Kafka broker: {exc}")
    ensure_topics(broker.bootstrap_servers, ALL_TOPICS)
    yield broker
    broker.stop()


def unsent(app: object) -> int:
    context = app.extensions["fundtrail"]  # type: ignore[attr-defined]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
        ).scalar_one()


def test_writes_wait_in_the_outbox_while_kafka_is_down_and_go_out_when_it_returns(
    broker: LocalBroker, sqlite_url: str, tmp_path: Path
) -> None:
    app = make_app("pledges", sqlite_url, tmp_path, kafka=broker.bootstrap_servers)
    _, creator = create_account(app, "creator")
    broker.stop()

    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    campaign_ids = []
    for _ in range(3):
        response = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator))
        assert response.status_code == 201
        campaign_ids.append(response.json["id"])
    assert unsent(app) == 4  # the account and three campaigns

    stop = threading.Event()
    settings = service_settings("pledges", sqlite_url, tmp_path, kafka=broker.bootstrap_servers)
    worker = threading.Thread(target=run_worker, args=(bootstrap("pledges", settings), stop))
    worker.start()  # the relay starts with Kafka down and keeps trying
    try:
        broker.start()
        consumer = KafkaConsumer(
            PLEDGES,
            bootstrap_servers=broker.bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=30_000,
            group_id=None,
        )
        seen = []
        for message in consumer:
            seen.append(str(decode(message.value).campaign_id))
            if len(seen) == 3:
                break
        consumer.close()
    finally:
        stop.set()
        worker.join(30)
    assert sorted(seen) == sorted(campaign_ids)
    assert unsent(app) == 0
    assert client.get("/readyz").status_code == 200
    app.extensions["fundtrail"].engine.dispose()
