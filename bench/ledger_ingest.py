"""A campaign's settlement reaching the ledger end to end on PostgreSQL, and the latency from a
pledge's collection to its ledger entry, against a raw produce → consume echo on the same broker.

The real processes, as `make run` starts them: `python -m services worker pledges` (its outbox
relay) and `python -m services worker ledger` (its relay and consumer), each on its own scratch
PostgreSQL database, on one Kafka broker (a local one on free ports, or $KAFKA_BOOTSTRAP_SERVERS).
This process plays the pledges service's API and settler: it opens a live campaign with
`--pledges` backers' pledges, lets the ledger hear of it, then settles it through the pledges
service's own handler (every pledge collected, a `pledge.collected` outbox row each, one commit).

- **ingest**: entries/s into the campaign's log, from the entries' `recorded_at` (first → last),
  with where the time went: the settle transaction, the relay (the outbox rows' `sent_at`), and
  the ledger's appends.
- **latency**: `--latency-events` pledge.collected events produced straight to the pledges topic
  at `--rate` a second (as the relay would send them), each `occurred_at` its produce time; the
  latency is its entry's `recorded_at` minus that. The baseline is a raw echo of as many messages
  of the same size at the same rate through the same broker: a producer here, a consumer thread
  here, send time → receive time.

    python -m bench ledger_ingest --pledges 600 --rate 1000 --latency-events 3000
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from bench.common import (
    Broker,
    kafka_broker,
    machine_description,
    postgres_scratch_database,
    write_results,
)
from shared.db import make_engine
from shared.kafka import start_at_the_end
from shared.migrations import upgrade

NAME = "ledger_ingest"
#: Where the workers' code comes from: this checkout, or $BENCH_SERVICES_ROOT (another
#: checkout, to measure its workers before → after with the same driver).
ROOT = Path(os.environ.get("BENCH_SERVICES_ROOT") or Path(__file__).resolve().parent.parent)
#: How long the services may take to bring every event to the ledger before the run is refused.
GIVE_UP_SECONDS = 300.0


class BenchmarkError(RuntimeError):
    """The run did not do what it was asked: its figures would mean nothing."""


@contextlib.contextmanager
def workers(env: dict[str, str], log_dir: Path) -> Iterator[None]:
    """The pledges and ledger workers, as `make run` starts them; stopped (SIGTERM) after."""
    processes = []
    with contextlib.ExitStack() as logs:
        try:
            for service in ("pledges", "ledger"):
                log = logs.enter_context((log_dir / f"{service}-worker.log").open("wb"))
                command = [sys.executable, *profiled(service), "-m", "services", "worker", service]
                processes.append(
                    subprocess.Popen(
                        command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
                    )
                )
            yield
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def profiled(service: str) -> list[str]:
    """cProfile's options when $BENCH_PROFILE_DIR names where the workers' profiles go."""
    directory = os.environ.get("BENCH_PROFILE_DIR")
    return ["-m", "cProfile", "-o", f"{directory}/{service}.prof"] if directory else []


class Pledges:
    """The pledges service's side, played in this process through its own handlers."""

    def __init__(self, url: str, scratch: Path) -> None:
        from services.pledges.bootstrap import bootstrap

        self.dependencies = bootstrap(
            {"database_url": url, "var_dir": scratch,
             "token_signing_key_file": scratch / "keys" / "token-signing.key"}
        )  # fmt: skip
        self.engine = self.dependencies.engine

    def live_campaign(self, backers: int) -> tuple[uuid.UUID, datetime]:
        """A live flexible campaign with one pledge from each of `backers` new backers (all in
        one transaction: setting up is not measured); returns it and its deadline."""
        from services.pledges.domain import Campaign
        from services.pledges.domain.accounts import Account

        now = datetime.now(UTC)
        deadline = now + timedelta(days=1)
        creator = Account.open(role="creator", name="Bench creator", email=None, now=now)
        campaign = Campaign.create(
            creator_id=creator.id, title="Bench settlement", description="", goal_amount=1_000,
            currency="EUR", now=now, deadline=deadline, funding_model="flexible",
        )  # fmt: skip
        accounts = [Account.open(role="backer", name="B", email=None, now=now)
                    for _ in range(backers)]  # fmt: skip
        with self.dependencies.uow_factory() as uow:
            uow.accounts.add(creator)
            for account in accounts:
                uow.accounts.add(account)
            campaign.launch(creator.id, now=now)
            uow.campaigns.add(campaign)
            uow.commit()
        with self.dependencies.uow_factory() as uow:
            from services.pledges.handlers.common import locked_campaign

            held = locked_campaign(uow, campaign.id)
            for n, account in enumerate(accounts):
                uow.pledges.add(held.pledge(account.id, 1_000 + n, now=now))
            uow.campaigns.save_state(held)
            uow.commit()
        return campaign.id, deadline

    def settle(self, campaign_id: uuid.UUID, deadline: datetime) -> None:
        from services.pledges import commands
        from services.pledges.handlers import settle_campaign

        outcome = settle_campaign(
            commands.SettleCampaign(campaign_id, actor_id=None),
            self.dependencies.uow_factory(),
            self.dependencies.payment_gateway(),
            clock=lambda: deadline + timedelta(seconds=1),
        )
        if not outcome.settled:
            raise BenchmarkError(f"campaign {campaign_id} was not settled")

    def relayed(self, since: datetime) -> dict[str, Any]:
        """The `pledge.collected` outbox rows written since `since`: how many, and when the
        relay sent the first and the last."""
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.text(
                    "SELECT count(*) AS n, min(created_at) AS created, min(sent_at) AS first,"
                    " max(sent_at) AS last, count(sent_at) AS sent FROM outbox"
                    " WHERE created_at >= :since AND value LIKE :collected"
                ),
                {"since": since, "collected": b'%"pledge.collected"%'},
            ).one()
        return dict(row._mapping)


class Ledger:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def knows(self, campaign_id: uuid.UUID) -> bool:
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    sa.text("SELECT 1 FROM journals WHERE campaign_id = :c"), {"c": campaign_id}
                ).first()
                is not None
            )

    def contributions(self, campaign_id: uuid.UUID) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(
                sa.text("SELECT count(*) FROM journal_entries WHERE campaign_id = :c"
                        " AND kind = 'contribution'"), {"c": campaign_id},
            ).scalar_one())  # fmt: skip

    def recorded(self, campaign_id: uuid.UUID, first_seq: int = 0) -> list[tuple[Any, ...]]:
        """(event id, occurred_at, recorded_at) of the campaign's contributions from a seq."""
        with self.engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                sa.text("SELECT event_id, occurred_at, recorded_at FROM journal_entries"
                        " WHERE campaign_id = :c AND kind = 'contribution' AND seq >= :s"
                        " ORDER BY seq"), {"c": campaign_id, "s": first_seq},
            )]  # fmt: skip


def wait_for(probe: Any, what: str, timeout: float = GIVE_UP_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not probe():
        if time.monotonic() > deadline:
            raise BenchmarkError(f"gave up waiting for {what} after {timeout:.0f} s")
        time.sleep(0.05)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    at = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {"p50_ms": at(0.50) * 1000, "p99_ms": at(0.99) * 1000, "max_ms": ordered[-1] * 1000,
            "mean_ms": statistics.fmean(ordered) * 1000}  # fmt: skip


def paced(count: int, rate: int) -> Iterator[int]:
    """0 … count-1, each yielded no earlier than its slot at `rate` a second."""
    start = time.perf_counter()
    for n in range(count):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield n


def offered_latency(
    servers: str, ledger: Ledger, campaign_id: uuid.UUID, count: int, rate: int
) -> dict[str, Any]:
    """pledge.collected at `rate`/s straight to the pledges topic; each one's latency to its
    entry (`recorded_at` - `occurred_at`, the produce time)."""
    from shared import topics
    from shared.events import encode, new_envelope
    from shared.kafka import make_producer

    producer = make_producer(servers)
    sizes, ids = [], set()
    base = ledger.contributions(campaign_id)
    started = time.perf_counter()
    for n in paced(count, rate):
        envelope = new_envelope(
            "pledge.collected",
            {"campaign_id": campaign_id, "pledge_id": uuid.uuid4(), "backer_id": uuid.uuid4(),
             "amount": 500 + n, "currency": "EUR", "tier_id": None,
             "payment_reference": f"bench-{n}"},
            producer="pledges", campaign_id=campaign_id,
        )  # fmt: skip
        value = encode(envelope)
        sizes.append(len(value))
        ids.add(envelope.event_id)
        producer.send(topics.PLEDGES, key=envelope.key.encode(), value=value)
    producer.flush()
    offered = count / (time.perf_counter() - started)
    producer.close()
    wait_for(lambda: ledger.contributions(campaign_id) >= base + count, "the paced entries")
    rows = [row for row in ledger.recorded(campaign_id, base) if row[0] in ids]
    if len(rows) != count:
        raise BenchmarkError(f"{len(rows)} of {count} paced events reached the ledger")
    latencies = [(recorded - occurred).total_seconds() for _, occurred, recorded in rows]
    tenth = max(1, count // 10)
    return {"events": count, "offered_per_s": offered, "message_bytes": statistics.median(sizes),
            **percentiles(latencies),
            # Growing from the first tenth to the last: a queue (the ledger slower than the
            # load); flat: a fixed delay.
            "first_tenth_p50_ms": statistics.median(latencies[:tenth]) * 1000,
            "last_tenth_p50_ms": statistics.median(latencies[-tenth:]) * 1000}  # fmt: skip


def echo_latency(broker: Broker, count: int, rate: int, size: int) -> dict[str, Any]:
    """Raw kafka-python: messages of `size` bytes at `rate`/s produced here, consumed by a
    thread here (the consumer settings the services use), send → receive."""
    from shared.kafka import make_consumer, make_producer

    topic = broker.new_topic("echo")
    consumer = make_consumer(broker.bootstrap_servers, f"bench-echo-{uuid.uuid4().hex[:8]}",
                             [topic])  # fmt: skip
    while not consumer.assignment():  # joined before the first message is sent
        consumer.poll(timeout_ms=100)
    received: list[float] = []

    def consume() -> None:
        while len(received) < count:
            for records in consumer.poll(timeout_ms=500).values():
                now = time.time()
                received.extend(now - float(r.value[:20].decode()) for r in records)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    producer = make_producer(broker.bootstrap_servers)
    padding = b" " * max(0, size - 20)
    started = time.perf_counter()
    for n in paced(count, rate):
        producer.send(topic, key=str(n % 7).encode(), value=f"{time.time():20.6f}".encode()
                      + padding)  # fmt: skip
    producer.flush()
    offered = count / (time.perf_counter() - started)
    thread.join(GIVE_UP_SECONDS)
    producer.close()
    consumer.close()
    if len(received) != count:
        raise BenchmarkError(f"the echo received {len(received)} of {count}")
    return {"events": count, "offered_per_s": offered, **percentiles(received)}


def run(pledges: int, rate: int, latency_events: int) -> dict[str, Any]:
    from infra.broker import ensure_topics
    from shared.auth import load_or_create_signing_key, public_key_text
    from shared.sealing import LinkOpener
    from shared.topics import ALL_TOPICS

    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(kafka_broker())
        pledges_url = stack.enter_context(postgres_scratch_database())
        ledger_url = stack.enter_context(postgres_scratch_database())
        if pledges_url is None or ledger_url is None:
            raise click.UsageError("this benchmark needs PostgreSQL")
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-ingest-")))
        servers = broker.bootstrap_servers
        ensure_topics(servers, ALL_TOPICS)
        upgrade("pledges", pledges_url)
        upgrade("ledger", ledger_url)
        token_key = load_or_create_signing_key(
            scratch / "keys" / "token-signing.key", scratch / "keys" / "token-signing.pub"
        )
        link_key = LinkOpener.from_key_file(
            scratch / "keys" / "link-sealing.key", scratch / "keys" / "link-sealing.pub"
        )
        prefix = f"bench-ingest-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": servers,
            "PLEDGES_DATABASE_URL": pledges_url,
            "LEDGER_DATABASE_URL": ledger_url,
            "FUNDTRAIL_VAR_DIR": str(scratch),
            "FUNDTRAIL_TOKEN_PUBLIC_KEY": public_key_text(token_key),
            "FUNDTRAIL_LINK_PUBLIC_KEY": link_key.public_key_text,
            "FUNDTRAIL_CONSUMER_GROUP_PREFIX": prefix,
            "FUNDTRAIL_LOG_FORMAT": "json",
        }
        from services.ledger.consumer import TOPICS as LEDGER_TOPICS
        from services.pledges.bootstrap import SERVICE as PLEDGES

        start_at_the_end(servers, f"{prefix}.ledger", list(LEDGER_TOPICS))
        start_at_the_end(servers, f"{prefix}.pledges", list(PLEDGES.topics))
        pledges_side, ledger = Pledges(pledges_url, scratch), Ledger(ledger_url)
        load_before = os.getloadavg()
        with workers(env, Path(os.environ.get("BENCH_PROFILE_DIR") or scratch)):
            campaign_id, deadline = pledges_side.live_campaign(pledges)
            wait_for(lambda: ledger.knows(campaign_id), "the ledger to open the journal", 120)
            settle_started = datetime.now(UTC)
            pledges_side.settle(campaign_id, deadline)
            settle_ended = datetime.now(UTC)
            wait_for(lambda: ledger.contributions(campaign_id) >= pledges, "the settlement")
            rows = ledger.recorded(campaign_id)
            relay = pledges_side.relayed(settle_started)
            if len(rows) != pledges or relay["n"] != pledges:
                raise BenchmarkError(
                    f"{pledges} pledges, {relay['n']} collected, {len(rows)} entries"
                )
            first, last = rows[0][2], rows[-1][2]
            span = (last - first).total_seconds()
            ingest = {
                "entries": len(rows),
                "entries_per_s": (len(rows) - 1) / span if span > 0 else float("inf"),
                "ledger_span_s": span,
                "settle_transaction_s": (settle_ended - settle_started).total_seconds(),
                "relay_span_s": (relay["last"] - relay["first"]).total_seconds(),
                "settle_commit_to_first_sent_s": (relay["first"] - settle_ended).total_seconds(),
                "first_sent_to_first_entry_s": (first - relay["first"]).total_seconds(),
                "settle_start_to_last_entry_s": (last - settle_started).total_seconds(),
            }
            latency = offered_latency(servers, ledger, campaign_id, latency_events, rate)
        echo = echo_latency(broker, latency_events, rate, int(latency["message_bytes"]))
        load_after = os.getloadavg()
        machine = machine_description(pledges_url, scratch)
        # Before the scratch databases are dropped, which needs them unused.
        pledges_side.engine.dispose()
        ledger.engine.dispose()
    return {
        "benchmark": NAME,
        "pledges": pledges,
        "rate": rate,
        "machine": {**machine, "kafka": broker.kafka_version,
                    "load_average_before": load_before, "load_average_after": load_after},
        "ingest": ingest,
        "latency": {"pledge collected -> ledger entry": latency, "raw produce -> consume": echo},
        "results": [
            {"name": "settlement ingest", "events": ingest["entries"],
             "rate": ingest["entries_per_s"]},
            {"name": "latency, pledge.collected -> entry", "events": latency["events"],
             "p50_ms": latency["p50_ms"], "p99_ms": latency["p99_ms"]},
            {"name": "latency, raw echo", "events": echo["events"], "p50_ms": echo["p50_ms"],
             "p99_ms": echo["p99_ms"]},
        ],
    }  # fmt: skip


@click.command(NAME)
@click.option("--pledges", default=600, type=click.IntRange(min=2), show_default=True,
              help="Pledges the settled campaign has (entries expected).")  # fmt: skip
@click.option("--rate", default=1000, type=click.IntRange(min=1), show_default=True,
              help="Offered load of the latency run, events/s.")  # fmt: skip
@click.option("--latency-events", default=3000, type=click.IntRange(min=1), show_default=True)
def command(pledges: int, rate: int, latency_events: int) -> None:
    """Settlement entries/s into the ledger end to end, and collection → entry latency."""
    document = run(pledges, rate, latency_events)
    ingest = document["ingest"]
    click.echo(
        f"settlement of {pledges}: {ingest['entries_per_s']:,.0f} entries/s in the ledger "
        f"(settle {ingest['settle_transaction_s']:.2f} s, relay span "
        f"{ingest['relay_span_s']:.2f} s, ledger span {ingest['ledger_span_s']:.2f} s, "
        f"settle start → last entry {ingest['settle_start_to_last_entry_s']:.2f} s)"
    )
    for name, figures in document["latency"].items():
        trend = (
            f", first tenth p50 {figures['first_tenth_p50_ms']:.0f} ms → last tenth "
            f"{figures['last_tenth_p50_ms']:.0f} ms"
            if "first_tenth_p50_ms" in figures
            else ""
        )
        click.echo(
            f"{name}: p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms "
            f"({figures['events']} at {figures['offered_per_s']:,.0f}/s offered{trend})"
        )
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
