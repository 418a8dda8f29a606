"""Inclusion proofs and checkpoints at 10^4, 10^5 and 10^6 entries: they should cost O(log n) reads,
so their time should barely move while the log grows a hundredfold. Recomputing the root from every
leaf, the O(n) way, is timed beside them for contrast:

    python -m bench ledger_proofs --sizes 10000,100000,1000000
"""

from __future__ import annotations

import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import click
import sqlalchemy as sa

from bench.common import write_results
from bench.ledger_setup import LedgerDatabase, describe, ledger_databases
from services.ledger.adapters.merkle_nodes import SqlNodeStore
from services.ledger.adapters.tables import journals, merkle_nodes
from services.ledger.checkpoint_publishing import publish_checkpoint
from services.ledger.domain import merkle

NAME = "ledger_proofs"
CHUNK = 50_000


def tree_nodes(size: int) -> Iterator[tuple[int, int, bytes]]:
    """Every stored node of a log of `size` synthetic leaves, as the journal stores them."""
    peaks: list[bytes] = []
    for index in range(size):
        current = merkle.leaf_hash(f"entry {index}".encode())
        yield 0, index, current
        level = 0
        while index >> level & 1:
            current = merkle.node_hash(peaks.pop(), current)
            level += 1
            yield level, index >> level, current
        peaks.append(current)


def fill(db: LedgerDatabase, size: int) -> uuid.UUID:
    """A campaign whose log holds `size` leaves (nodes written in bulk; no entry rows needed)."""
    campaign_id, _ = db.open_campaign()
    rows = ((campaign_id, level, index, value) for level, index, value in tree_nodes(size))
    if db.engine.dialect.name == "postgresql":
        raw = db.engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cursor:  # type: ignore[union-attr]
                copy_sql = "COPY merkle_nodes (campaign_id, level, idx, hash) FROM STDIN"
                with cursor.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        columns = ("campaign_id", "level", "idx", "hash")
        with db.engine.begin() as connection:
            batch: list[dict[str, Any]] = []
            for row in rows:
                batch.append(dict(zip(columns, row, strict=True)))
                if len(batch) == CHUNK:
                    connection.execute(merkle_nodes.insert(), batch)
                    batch = []
            if batch:
                connection.execute(merkle_nodes.insert(), batch)
    with db.engine.begin() as connection:
        connection.execute(
            journals.update().where(journals.c.campaign_id == campaign_id).values(size=size)
        )
        if db.engine.dialect.name == "postgresql":
            connection.exec_driver_sql("ANALYZE merkle_nodes")
    return campaign_id


def median_us(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1e6, 1)


def measure_size(db: LedgerDatabase, size: int, proofs: int, checkpoints: int) -> dict[str, Any]:
    started = time.perf_counter()
    campaign_id = fill(db, size)
    fill_seconds = time.perf_counter() - started
    rng = random.Random(size)
    proof_times, proof_lengths = [], []
    with db.engine.connect() as connection:
        store = SqlNodeStore(connection, campaign_id)
        for index in (rng.randrange(size) for _ in range(proofs)):
            started = time.perf_counter()
            proof = merkle.inclusion_proof(store, index, size)
            proof_times.append(time.perf_counter() - started)
            proof_lengths.append(len(proof))
        started = time.perf_counter()
        root = merkle.root_hash(store, size)
        root_seconds = time.perf_counter() - started
        started = time.perf_counter()
        leaves = connection.execute(
            sa.select(merkle_nodes.c.hash)
            .where(merkle_nodes.c.campaign_id == campaign_id, merkle_nodes.c.level == 0)
            .order_by(merkle_nodes.c.idx)
        ).scalars()
        full_root = merkle.root_from_leaves(leaves)
        full_seconds = time.perf_counter() - started
    assert full_root == root, "stored nodes and a fold of every leaf disagree"
    checkpoint_times = []
    for offset in range(checkpoints):
        with db.uow() as uow:  # rolled back: each repeat signs and stores the same new size
            started = time.perf_counter()
            publish_checkpoint(uow, db.signing, campaign_id, size - offset, datetime.now(UTC))
            checkpoint_times.append(time.perf_counter() - started)
    return {
        "database": db.name,
        "entries": size,
        "fill_seconds": round(fill_seconds, 1),
        "inclusion_proof_us": median_us(proof_times),
        "inclusion_proof_hashes": round(statistics.mean(proof_lengths), 1),
        "root_from_stored_nodes_us": round(root_seconds * 1e6, 1),
        "checkpoint_us": median_us(checkpoint_times),
        "root_from_every_leaf_ms": round(full_seconds * 1e3, 1),
    }


def run(sizes: list[int], proofs: int, checkpoints: int, with_postgres: bool) -> dict[str, Any]:
    results = []
    with ledger_databases(with_postgres) as databases:
        for db in databases:
            for size in sizes:
                results.append(measure_size(db, size, proofs, checkpoints))
                click.echo(results[-1])
        machine = describe(databases)
    return {"benchmark": NAME, "proofs_per_size": proofs, "checkpoints_per_size": checkpoints,
            "machine": machine, "results": results}  # fmt: skip


def table(results: list[dict[str, Any]]) -> str:
    headers = ["database", "entries", "proof µs", "hashes", "checkpoint µs", "all-leaves root ms"]
    rows = [
        [r["database"], f"{r['entries']:,}", f"{r['inclusion_proof_us']:,.0f}",
         f"{r['inclusion_proof_hashes']}", f"{r['checkpoint_us']:,.0f}",
         f"{r['root_from_every_leaf_ms']:,.0f}"]
        for r in results
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True))
                     for row in [headers, *rows])  # fmt: skip


@click.command(NAME)
@click.option(
    "--sizes", default="10000,100000,1000000", show_default=True, help="Comma-separated log sizes."
)
@click.option("--proofs", default=200, show_default=True, help="Inclusion proofs timed per size.")
@click.option("--checkpoints", default=30, show_default=True, help="Checkpoints timed per size.")
@click.option("--no-postgres", is_flag=True, help="Measure SQLite only.")
def command(sizes: str, proofs: int, checkpoints: int, no_postgres: bool) -> None:
    """Inclusion proof and checkpoint time against log size (expect O(log n))."""
    document = run([int(s) for s in sizes.split(",")], proofs, checkpoints, not no_postgres)
    click.echo(table(document["results"]))
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
