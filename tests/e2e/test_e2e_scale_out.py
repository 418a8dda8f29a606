"""Scale-out on PostgreSQL and a real broker (issue 17): three ledger worker processes share the
consumer group's partitions while campaigns settle at once; one is killed with -9 mid-burst and
another is added; nothing is lost or duplicated, each campaign's log is in order and verifies.
Two updates workers share theirs and their mail queue: every reader gets each update once."""

from __future__ import annotations

import mailbox
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
from kafka import KafkaConsumer
from kafka.partitioner.default import murmur2

from services.ledger.adapters.tables import journal_entries
from services.ledger.verify import verify_export
from shared import topics
from shared.events import Envelope, encode, new_envelope
from shared.kafka import make_producer
from tests.e2e.conftest import start_at_the_end
from tests.factories import make_app
from tests.integration.ledger.ledger_support import campaign_event, pledge_event
from tests.integration.updates.mail_support import T0, Campaign
from tests.scale_support import group_assignment, wait_for, worker_env

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

ROOT = Path(__file__).parents[2]
API = "/api/v1"
CAMPAIGNS = 8
PLEDGES = 40  # per campaign, half before the kill and half after
LEDGER_TOPICS = (topics.ACCOUNTS, topics.PLEDGES, topics.LEDGER)
UPDATES_TOPICS = (topics.ACCOUNTS, topics.PLEDGES, topics.LEDGER, topics.UPDATES)


class Workers:
    """`fundtrail worker SERVICE` processes, as the supervisor or a deployment starts them."""

    def __init__(self, service: str, env: dict[str, str], log_dir: Path) -> None:
        self.service, self.env, self.log_dir = service, env, log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services", "worker", self.service],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@pytest.fixture
def ledger(postgres_url: str, tmp_path: Path, kafka_bootstrap: str) -> Iterator[flask.Flask]:
    app = make_app(
        "ledger",
        postgres_url,
        tmp_path,
        kafka=kafka_bootstrap,
        consumer_group_prefix=f"scale-{uuid.uuid4().hex[:8]}",
    )
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def workers(ledger: flask.Flask, tmp_path: Path, kafka_bootstrap: str) -> Iterator[Workers]:
    settings = ledger.extensions["fundtrail"].settings
    start_at_the_end(kafka_bootstrap, settings.consumer_group, LEDGER_TOPICS)
    env = worker_env(
        "ledger", settings.database_url, tmp_path, kafka_bootstrap, settings.consumer_group_prefix
    )
    env["LEDGER_CHECKPOINT_INTERVAL"] = "0.5"
    started = Workers("ledger", env, tmp_path)
    yield started
    started.stop_all()


def shared_by(kafka: str, group: str, topic: str, members: int) -> bool:
    """Whether the group is stable with `members` members, each given a partition of `topic`."""
    assignment = group_assignment(kafka, group)
    mine = [[p for name, p in parts if name == topic] for parts in assignment.values()]
    return len(assignment) == members and all(mine)


def partition_count(kafka: str, topic: str) -> int:
    consumer = KafkaConsumer(bootstrap_servers=kafka)
    try:
        return len(consumer.partitions_for_topic(topic) or ())
    finally:
        consumer.close()


def campaigns_on_every_partition(partitions: int, count: int) -> list[uuid.UUID]:
    """`count` campaign ids spread over all `partitions` as the producer's key hash places them
    (kafka-python's default partitioner, murmur2 as in Java's), so every worker has some."""
    chosen: list[uuid.UUID] = []
    per_partition = dict.fromkeys(range(partitions), 0)
    while len(chosen) < count:
        campaign = uuid.uuid4()
        partition = (murmur2(str(campaign).encode()) & 0x7FFFFFFF) % partitions
        if per_partition[partition] < -(-count // partitions):
            per_partition[partition] += 1
            chosen.append(campaign)
    return chosen


def contributions(
    engine: sa.Engine, campaigns: list[uuid.UUID]
) -> list[sa.Row[tuple[uuid.UUID, int, uuid.UUID]]]:
    """The contribution entries of `campaigns`, by campaign and seq. Only theirs: the workers
    read the contract's topics, where tests running beside this one publish campaigns too."""
    query = (
        sa.select(journal_entries.c.campaign_id, journal_entries.c.seq, journal_entries.c.pledge_id)
        .where(journal_entries.c.kind == "contribution")
        .where(journal_entries.c.campaign_id.in_(campaigns))
        .order_by(journal_entries.c.campaign_id, journal_entries.c.seq)
    )
    with engine.connect() as connection:
        return list(connection.execute(query).all())


def checkpoint_size(client: flask.testing.FlaskClient, campaign: uuid.UUID) -> int:
    """The tree size of the campaign's latest signed checkpoint (-1 before the first)."""
    response = client.get(f"{API}/campaigns/{campaign}/checkpoint")
    if response.status_code != 200:
        return -1
    return int(response.get_data(as_text=True).splitlines()[1])


def test_three_ledger_workers_share_the_partitions_and_lose_nothing_when_one_is_killed(
    ledger: flask.Flask, workers: Workers, kafka_bootstrap: str
) -> None:
    engine: sa.Engine = ledger.extensions["fundtrail"].engine
    group = ledger.extensions["fundtrail"].settings.consumer_group
    partitions = partition_count(kafka_bootstrap, topics.PLEDGES)
    assert partitions >= 3, "three workers can share a topic only if it has three partitions"
    assert partition_count(kafka_bootstrap, topics.LEDGER) >= 3

    for name in ("worker-1", "worker-2", "worker-3"):
        workers.start(name)
    wait_for(lambda: shared_by(kafka_bootstrap, group, topics.PLEDGES, 3), timeout=60, every=0.3)

    campaigns = campaigns_on_every_partition(partitions, CAMPAIGNS)
    produced: dict[uuid.UUID, list[uuid.UUID]] = {campaign: [] for campaign in campaigns}
    producer = make_producer(kafka_bootstrap)

    def send(envelope: Envelope) -> None:
        producer.send(topics.PLEDGES, key=envelope.key.encode(), value=encode(envelope))

    def settle(pledges: int) -> None:
        """Every campaign's next `pledges` collections, interleaved as a settlement run sends
        them (one campaign after another, over and over)."""
        for _ in range(pledges):
            for campaign in campaigns:
                pledge = uuid.uuid4()
                produced[campaign].append(pledge)
                send(pledge_event("pledge.collected", campaign, 1_500, pledge_id=pledge))
        producer.flush(30)

    try:
        for campaign in campaigns:
            send(campaign_event("campaign.created", campaign, uuid.uuid4()))
        started = time.monotonic()
        settle(PLEDGES // 2)
        # Mid-burst: a worker dies without a word while the first half is being booked ...
        wait_for(
            lambda: len(contributions(engine, campaigns)) >= CAMPAIGNS * 4, timeout=60, every=0.02
        )
        workers.processes["worker-1"].kill()
        booked_at_kill = len(contributions(engine, campaigns))
        # ... one is added (as a supervisor restarts it), and the second half is sent.
        workers.start("worker-4")
        settle(PLEDGES - PLEDGES // 2)
    finally:
        producer.close(timeout=10)

    total = CAMPAIGNS * PLEDGES
    wait_for(lambda: len(contributions(engine, campaigns)) >= total, timeout=90, every=0.2)
    took = time.monotonic() - started
    client = ledger.test_client()
    wait_for(
        lambda: all(checkpoint_size(client, campaign) == PLEDGES for campaign in campaigns),
        timeout=30,
        every=0.2,
    )

    rows = contributions(engine, campaigns)
    booked = [row.pledge_id for row in rows]
    sent = {pledge for pledges in produced.values() for pledge in pledges}
    lost = len(sent - set(booked))
    duplicated = len(booked) - len(set(booked))
    print(
        f"campaigns={CAMPAIGNS} pledges={total} workers=3 killed=1 added=1 "
        f"booked_at_kill={booked_at_kill} lost={lost} duplicated={duplicated} took={took:.1f}s"
    )
    assert (lost, duplicated, len(booked)) == (0, 0, total)
    for campaign in campaigns:
        log = [row for row in rows if row.campaign_id == campaign]
        # In order: seq from 0 without a gap, and the collections in the order they were sent,
        # since a campaign's events share a partition and one worker at a time reads it.
        assert [row.seq for row in log] == list(range(PLEDGES))
        assert [row.pledge_id for row in log] == produced[campaign]

        key = client.get(f"{API}/log/key").get_data(as_text=True)
        note = client.get(f"{API}/campaigns/{campaign}/checkpoint").get_data(as_text=True)
        export = client.get(f"{API}/campaigns/{campaign}/export.jsonl").data
        report = verify_export(export.splitlines(keepends=True), note, key)
        assert report.ok, report.render()
        assert report.entries == PLEDGES


def test_two_updates_workers_share_the_partitions_and_mail_each_reader_once(
    postgres_url: str, tmp_path: Path, kafka_bootstrap: str
) -> None:
    readers_each, updates_each, campaigns_count = 8, 2, 6
    app = make_app(
        "updates",
        postgres_url,
        tmp_path,
        kafka=kafka_bootstrap,
        consumer_group_prefix=f"scale-{uuid.uuid4().hex[:8]}",
    )
    settings = app.extensions["fundtrail"].settings
    start_at_the_end(kafka_bootstrap, settings.consumer_group, UPDATES_TOPICS)
    env = worker_env(
        "updates", postgres_url, tmp_path, kafka_bootstrap, settings.consumer_group_prefix
    )
    # Small batches, claimed often: the two senders take turns at one queue.
    env.update(UPDATES_MAIL_BATCH_SIZE="5", UPDATES_MAIL_POLL_SECONDS="0.2")
    workers = Workers("updates", env, tmp_path)
    try:
        # The campaigns and their readers, as the worker would have heard of them.
        partitions = partition_count(kafka_bootstrap, topics.UPDATES)
        campaigns = [
            Campaign(app, id=campaign_id)
            for campaign_id in campaigns_on_every_partition(partitions, campaigns_count)
        ]
        readers = {
            campaign.id: [campaign.backer(f"reader{n}@example.org") for n in range(readers_each)]
            for campaign in campaigns
        }
        for name in ("updates-1", "updates-2"):
            workers.start(name)
        group = settings.consumer_group
        wait_for(
            lambda: shared_by(kafka_bootstrap, group, topics.UPDATES, 2), timeout=60, every=0.3
        )

        producer = make_producer(kafka_bootstrap)
        published: list[uuid.UUID] = []
        try:
            for _ in range(updates_each):
                for campaign in campaigns:
                    update_id = uuid.uuid4()
                    published.append(update_id)
                    envelope = new_envelope(
                        "update.published",
                        {
                            "campaign_id": campaign.id,
                            "update_id": update_id,
                            "url": f"http://127.0.0.1:8003/api/v1/updates/{update_id}",
                            "kind": "manual",
                            "visibility": "public",
                            "title": "News",
                            "body_html": "<p>Boxes are out.</p>",
                            "published_at": T0,
                        },
                        producer="updates",
                        campaign_id=campaign.id,
                    )
                    producer.send(topics.UPDATES, key=envelope.key.encode(), value=encode(envelope))
            producer.flush(30)
        finally:
            producer.close(timeout=10)

        # Besides ours, the automatic "The campaign is live" updates the launches made here,
        # which the workers' relay sends and their consumers hear back: every one is mailed.
        ours = [campaign.id for campaign in campaigns]
        updates_table = sa.table("updates", sa.column("id"), sa.column("campaign_id"))
        query = sa.select(updates_table.c.id, updates_table.c.campaign_id).where(
            updates_table.c.campaign_id.in_(ours)
        )
        with app.extensions["fundtrail"].engine.connect() as connection:
            automatic = list(connection.execute(query))
        assert len(automatic) == campaigns_count
        of_campaign = {
            update_id: campaigns[i % campaigns_count].id for i, update_id in enumerate(published)
        }
        of_campaign.update({row.id: row.campaign_id for row in automatic})
        wanted = {
            f"{update_id}.{reader}"
            for update_id, campaign_id in of_campaign.items()
            for reader in readers[campaign_id]
        }
        expected = len(wanted)
        maildir = tmp_path / "mail"

        def message_ids() -> list[str]:
            """The Message-IDs (`<update id>.<reader id>@host`) of mails about our updates:
            other tests' campaigns, on the same topics, may be mailed here too."""
            if not maildir.exists():
                return []
            ours = {str(update_id) for update_id in of_campaign}
            found = (str(message["Message-ID"]) for message in mailbox.Maildir(maildir))
            return [found_id for found_id in found if found_id.strip("<").split(".")[0] in ours]

        wait_for(lambda: len(message_ids()) >= expected, timeout=60, every=0.3)
        time.sleep(1.0)  # a second sending of any of them would have landed by now
    finally:
        workers.stop_all()
        app.extensions["fundtrail"].engine.dispose()

    sent = message_ids()
    got = {message_id.strip("<>").partition("@")[0] for message_id in sent}
    missed, duplicated = len(wanted - got), len(sent) - len(set(sent))
    print(
        f"updates workers=2 mails={len(sent)} expected={expected} missed={missed} dup={duplicated}"
    )
    assert (missed, duplicated, len(sent)) == (0, 0, expected)
