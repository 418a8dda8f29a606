"""The CSV and beancount exports' rows per second and peak memory, against a plain csv.writer:

    python -m bench ledger_export --entries 100000 --entries 1000000

A campaign's journal is filled with SQL (realistic leaf data: contributions, refunds, expenses
with awkward text, reversals; backer rows for the auditor's export), as the database's triggers
accept it, on SQLite. Each export is read to the end exactly as the HTTP route streams it
(`PreparedExport.chunks`) into a sink that only counts bytes. The baseline is the plain way: one
streamed SELECT of the same entries' columns written by a bare `csv.writer`, with no leaf parsing,
no injection guard, no keyset pages. Peak memory is measured in a separate pass under
tracemalloc (which slows Python, so those passes are not timed).
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import sqlalchemy as sa

from bench.common import Measurement, Timing, results_table, timed, with_ratios, write_results
from bench.ledger_setup import LedgerDatabase, describe, ledger_databases
from services.ledger.adapters.tables import (
    account_balances,
    checkpoints,
    journal_entries,
    journal_postings,
    journals,
    pledge_backers,
)
from services.ledger.exports.entries import Audience
from services.ledger.exports.export import BEANCOUNT, CSV, ExportFormat, prepare_export

NAME = "ledger_export"
BASELINE = "csv.writer over one streamed SELECT"
#: Entries written per transaction while filling: the spending trigger sums the postings of the
#: entries of the same write, so smaller batches keep the fill linear.
FILL_BATCH = 500
CATEGORIES = ("printing", "Café & bar", "shipping", "Art: prints/posters")
MEMOS = ("Print run", '=HYPERLINK("http://x")', 'Dinner, "launch"', "Stamps and boxes")


def leaf(fields: dict[str, Any]) -> bytes:
    # For this data (ASCII keys, integers, plain strings) sorted compact JSON is RFC 8785's.
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_rows(campaign_id: uuid.UUID, count: int) -> Iterator[tuple[dict, list[dict], Any]]:
    """(entry row, posting rows, backer id or None) for seq 0 … count-1."""
    moment = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    creator = str(uuid.uuid4())
    pledges: list[str] = []
    last_expense: tuple[int, str] | None = None
    for seq in range(count):
        at = moment + timedelta(seconds=seq)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        kind, kind_of = seq % 10, ""
        fields: dict[str, Any] = {
            "category": None, "event_id": None, "incurred_on": None, "memo": None,
            "pledge_id": None, "receipt_sha256": None, "recorded_by": None,
            "reverses_seq": None, "vendor": None, "currency": "EUR", "seq": seq,
            "occurred_at": stamp, "recorded_at": stamp,
        }  # fmt: skip
        backer = None
        if kind == 7 and pledges:
            kind_of, amount = "refund", 500
            postings = [("income:refunds", amount), ("assets:funds", -amount)]
            fields.update(pledge_id=pledges[-1], event_id=str(uuid.uuid4()))
        elif kind == 8:
            kind_of, amount = "expense", 2_000
            category = CATEGORIES[(seq // 10) % len(CATEGORIES)]
            postings = [(f"expenses:{category}", amount), ("assets:funds", -amount)]
            fields.update(
                category=category, memo=f"{MEMOS[(seq // 10) % len(MEMOS)]} {seq}",
                vendor="Acme Print", incurred_on=at.date().isoformat(), recorded_by=creator,
                receipt_sha256=hashlib.sha256(str(seq).encode()).hexdigest(),
            )  # fmt: skip
            last_expense = (seq, category)
        elif kind == 9 and last_expense is not None:
            kind_of, amount = "reversal", 2_000
            postings = [(f"expenses:{last_expense[1]}", -amount), ("assets:funds", amount)]
            fields.update(category=last_expense[1], memo="entered twice",
                          reverses_seq=last_expense[0], recorded_by=creator)  # fmt: skip
        else:
            kind_of, amount = "contribution", 5_000 + seq % 1000
            pledges.append(str(uuid.uuid4()))
            postings = [("assets:funds", amount), ("income:pledges", -amount)]
            fields.update(pledge_id=pledges[-1], event_id=str(uuid.uuid4()))
            backer = uuid.uuid4()
        fields.update(kind=kind_of, amount=amount,
                      postings=[{"account": a, "amount": n} for a, n in postings])  # fmt: skip
        data = leaf(fields)
        row = {
            "campaign_id": campaign_id, "seq": seq, "kind": kind_of, "amount": amount,
            "currency": "EUR", "category": fields["category"], "memo": fields["memo"],
            "vendor": fields["vendor"],
            "incurred_on": at.date() if fields["incurred_on"] else None,
            "receipt_sha256": fields["receipt_sha256"],
            "pledge_id": uuid.UUID(fields["pledge_id"]) if fields["pledge_id"] else None,
            "reverses_seq": fields["reverses_seq"],
            "event_id": uuid.UUID(fields["event_id"]) if fields["event_id"] else None,
            "recorded_by": uuid.UUID(creator) if fields["recorded_by"] else None,
            "occurred_at": at, "recorded_at": at, "leaf_data": data,
            "leaf_hash": hashlib.sha256(b"\x00" + data).digest(),
        }  # fmt: skip
        posting_rows = [
            {"campaign_id": campaign_id, "seq": seq, "position": i, "account": a, "amount": n}
            for i, (a, n) in enumerate(postings)
        ]
        yield row, posting_rows, backer


def fill(db: LedgerDatabase, count: int) -> uuid.UUID:
    """A campaign of `count` entries with a checkpoint of them all, written with plain SQL."""
    campaign_id, _ = db.open_campaign()
    balances: dict[str, int] = {}
    rows = entry_rows(campaign_id, count)
    done = 0
    while done < count:
        entries, postings, backers = [], [], []
        for row, posting_rows, backer in rows:
            entries.append(row)
            postings += posting_rows
            if backer is not None:
                backers.append({"campaign_id": campaign_id, "pledge_id": row["pledge_id"],
                                "backer_id": backer,
                                "recorded_at": row["recorded_at"]})  # fmt: skip
            if len(entries) == FILL_BATCH:
                break
        for posting in postings:
            balances[posting["account"]] = balances.get(posting["account"], 0) + posting["amount"]
        done += len(entries)
        with db.engine.begin() as connection:
            connection.execute(journal_postings.insert(), postings)
            connection.execute(journal_entries.insert(), entries)
            if backers:
                connection.execute(pledge_backers.insert(), backers)
            connection.execute(account_balances.delete().where(
                account_balances.c.campaign_id == campaign_id))  # fmt: skip
            connection.execute(account_balances.insert(), [
                {"campaign_id": campaign_id, "account": a, "balance": b}
                for a, b in balances.items()
            ])  # fmt: skip
            connection.execute(journals.update().where(journals.c.campaign_id == campaign_id)
                               .values(size=done))  # fmt: skip
    with db.engine.begin() as connection:
        connection.execute(checkpoints.insert().values(
            campaign_id=campaign_id, tree_size=count, root_hash=bytes(32),
            note="(a benchmark's checkpoint: not signed)", published_at=datetime.now(UTC),
        ))  # fmt: skip
    return campaign_id


def export_bytes(
    db: LedgerDatabase, campaign_id: uuid.UUID, kind: ExportFormat, audience: Audience
) -> int:
    with db.uow() as uow:
        prepared = prepare_export(uow, campaign_id, kind, audience=audience)
    return sum(len(chunk) for chunk in prepared.chunks(db.engine))


class CountingSink(io.TextIOBase):
    """Where the baseline writes: counts characters, keeps nothing."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def baseline_bytes(db: LedgerDatabase, campaign_id: uuid.UUID, *_: Any) -> int:
    """What one would write without the export package: the stored columns, as they come."""
    columns = [journal_entries.c[name] for name in (
        "seq", "occurred_at", "kind", "category", "memo", "vendor", "amount", "currency",
        "recorded_at", "pledge_id", "receipt_sha256", "reverses_seq", "leaf_hash",
    )]  # fmt: skip
    sink = CountingSink()
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    query = (sa.select(*columns).where(journal_entries.c.campaign_id == campaign_id)
             .order_by(journal_entries.c.seq))  # fmt: skip
    with db.engine.connect() as connection:
        for row in connection.execution_options(stream_results=True, yield_per=2000).execute(query):
            writer.writerow(row)
    return sink.size


def peak_memory(run: Callable[[], int]) -> float:
    """Peak Python memory of one pass, in MiB (tracemalloc)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def run(sizes: list[int], repeats: int) -> dict[str, Any]:
    auditor = Audience(backers=True, receipt_url_prefix="http://127.0.0.1:8002/api/v1/r/")
    plans: list[tuple[str, Callable[..., int], ExportFormat, Audience, str | None]] = [
        (BASELINE, baseline_bytes, CSV, Audience(), None),
        ("export.csv (public)", export_bytes, CSV, Audience(), BASELINE),
        ("export.csv (auditor: backer join, receipt links)", export_bytes, CSV, auditor, BASELINE),
        ("export.beancount (public)", export_bytes, BEANCOUNT, Audience(), BASELINE),
    ]
    by_size = []
    with ledger_databases(with_postgres=False) as databases:
        db = databases[0]
        for size in sizes:
            started = time.perf_counter()
            campaign_id = fill(db, size)
            filled = time.perf_counter() - started
            measurements, memory, output = [], {}, {}
            # One untimed read first: otherwise whichever runs first pays for a cold page cache.
            baseline_bytes(db, campaign_id)
            for name, measure, kind, audience, baseline in plans:
                timings: list[Timing] = []
                for _ in range(repeats):
                    with timed() as timing:
                        output[name] = measure(db, campaign_id, kind, audience)
                    timings.append(timing)
                measurements.append(Measurement(name, size, tuple(timings), "plumbing", baseline))
                once = functools.partial(measure, db, campaign_id, kind, audience)
                memory[name] = round(peak_memory(once), 2)
            by_size.append({
                "entries": size, "fill_seconds": round(filled, 1), "output_bytes": output,
                "peak_memory_mib": memory, "results": with_ratios(measurements),
            })  # fmt: skip
        machine = describe(databases)
    return {"benchmark": NAME, "database": "SQLite", "repeats": repeats,
            "machine": machine, "sizes": by_size}  # fmt: skip


@click.command(NAME)
@click.option("--entries", "sizes", multiple=True, type=click.IntRange(min=10),
              default=[100_000], show_default=True,
              help="Journal sizes (repeat the option).")  # fmt: skip
@click.option("--repeats", default=3, type=click.IntRange(min=1), show_default=True)
def command(sizes: tuple[int, ...], repeats: int) -> None:
    """Export rows/s and peak memory against a plain csv.writer, on SQLite."""
    document = run(list(sizes), repeats)
    for result in document["sizes"]:
        click.echo(f"{result['entries']:,} entries (filled in {result['fill_seconds']} s)")
        click.echo(results_table(result["results"]))
        for name, mib in result["peak_memory_mib"].items():
            click.echo(f"  peak memory {mib:>8.2f} MiB  {name}")
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
