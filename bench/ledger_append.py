"""Journal appends per second (hashing, tree nodes, balances and the outbox included) against plain
INSERTs of the very same entry rows into a table with no triggers, on SQLite and PostgreSQL:

    python -m bench ledger_append --entries 2000
"""

from __future__ import annotations

import uuid
from typing import Any

import click
import sqlalchemy as sa

from bench.common import (
    Measurement,
    Timing,
    results_table,
    timed,
    with_ratios,
    write_results,
)
from bench.ledger_setup import LedgerDatabase, describe, ledger_databases
from services.ledger.adapters.tables import journal_entries
from services.ledger.handlers import on_pledge_collected
from shared.clock import utc_now
from shared.events import Envelope, new_envelope
from shared.events.typed import to_event

NAME = "ledger_append"
BATCH = 100


def collected(campaign_id: uuid.UUID, count: int) -> list[Envelope]:
    return [
        new_envelope(
            "pledge.collected",
            {
                "campaign_id": campaign_id,
                "pledge_id": uuid.uuid4(),
                "backer_id": uuid.uuid4(),
                "amount": 1_000 + n,
                "currency": "EUR",
                "tier_id": None,
                "payment_reference": f"bench-{n}",
            },
            producer="pledges",
            campaign_id=campaign_id,
        )  # fmt: skip
        for n in range(count)
    ]


def append_one_per_transaction(db: LedgerDatabase, count: int) -> tuple[Timing, uuid.UUID]:
    campaign_id, _ = db.open_campaign()
    # Decoded before the clock starts: this measures the append, as the consumer's breakdown
    # measures decoding apart.
    events = [to_event(envelope) for envelope in collected(campaign_id, count)]
    with timed() as timing:
        for event in events:
            with db.uow() as uow:
                on_pledge_collected(event, uow, utc_now)
                uow.commit()
    return timing, campaign_id


def append_batched(db: LedgerDatabase, count: int) -> tuple[Timing, uuid.UUID]:
    """`BATCH` events per unit of work, each through the handler, as the worker's consumer runs
    a poll batch: the journal and the batch's pledges are loaded once (`prepare`), and the
    batch's rows written at the commit."""
    campaign_id, _ = db.open_campaign()
    events = [to_event(envelope) for envelope in collected(campaign_id, count)]
    with timed() as timing:
        for start in range(0, count, BATCH):
            with db.uow() as uow:
                batch = events[start : start + BATCH]
                uow.prepare(batch)
                for event in batch:
                    on_pledge_collected(event, uow, utc_now)
                uow.commit()
    return timing, campaign_id


def plain_table(db: LedgerDatabase) -> sa.Table:
    """A copy of `journal_entries` with its columns only: no triggers, indexes or checks."""
    metadata = sa.MetaData()
    table = sa.Table(
        f"bench_plain_entries_{uuid.uuid4().hex[:8]}", metadata,
        *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in journal_entries.columns),
    )  # fmt: skip
    metadata.create_all(db.engine)
    return table


def plain_inserts(
    db: LedgerDatabase, campaign_id: uuid.UUID, per_transaction: int, expected: int
) -> Timing:
    """INSERT the `expected` rows the journal wrote for `campaign_id`, in transactions of
    `per_transaction` rows."""
    with db.engine.connect() as connection:
        rows = [
            dict(row)
            for row in connection.execute(
                sa.select(journal_entries)
                .where(journal_entries.c.campaign_id == campaign_id)
                .order_by(journal_entries.c.seq)
            ).mappings()
        ]
    if len(rows) != expected:
        # A figure for entries that were not all appended would mean nothing.
        raise RuntimeError(
            f"the journal of {campaign_id} holds {len(rows)} entries, not {expected}"
        )
    table = plain_table(db)
    with timed() as timing:
        for start in range(0, len(rows), per_transaction):
            with db.engine.begin() as connection:
                connection.execute(table.insert(), rows[start : start + per_transaction])
    table.drop(db.engine)
    return timing


def run(entries: int, repeats: int, with_postgres: bool = True) -> dict[str, Any]:
    measurements: list[Measurement] = []
    with ledger_databases(with_postgres) as databases:
        for db in databases:
            for label, append, per_transaction in (
                ("1 per transaction", append_one_per_transaction, 1),
                (f"{BATCH} per transaction", append_batched, BATCH),
            ):
                appended, plain = [], []
                for _ in range(repeats):
                    timing, campaign_id = append(db, entries)
                    appended.append(timing)
                    plain.append(plain_inserts(db, campaign_id, per_transaction, entries))
                baseline = f"plain INSERT, {db.name}, {label}"
                measurements.append(Measurement(baseline, entries, tuple(plain), "ceiling"))
                measurements.append(
                    Measurement(
                        f"journal append, {db.name}, {label}",
                        entries,
                        tuple(appended),
                        "plumbing",
                        baseline,
                    )  # fmt: skip
                )
        machine = describe(databases)
    results = with_ratios(measurements)
    return {"benchmark": NAME, "entries": entries, "repeats": repeats, "machine": machine,
            "results": results}  # fmt: skip


@click.command(NAME)
@click.option(
    "--entries",
    default=2_000,
    type=click.IntRange(min=BATCH),
    show_default=True,
    help="Entries appended per repeat.",
)
@click.option("--repeats", default=3, type=click.IntRange(min=1), show_default=True)
@click.option("--no-postgres", is_flag=True, help="Measure SQLite only.")
def command(entries: int, repeats: int, no_postgres: bool) -> None:
    """Journal appends/s (hashing, tree, balances, outbox) against plain INSERTs of the rows."""
    document = run(entries, repeats, with_postgres=not no_postgres)
    click.echo(results_table(document["results"]))
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
