"""`fundtrail verify` entries per second against the physical floor of a full check and against
hashlib's raw SHA-256 rate over the same bytes:

    python -m bench ledger_verify --entries 100000

The floor is what any full check in Python must at least do: hash every line and parse it with
the fastest JSON parser the project uses (msgspec when it is installed, else the standard
library's C-accelerated `json`). Verify is compared with the floor (issue 17 asks ≥ 0.5×) and,
in `ratios_to_hashlib`, with plain hashlib.

The export is a realistic journal (contributions, refunds, expenses, reversals) built with the
domain's own Journal, so every line is real leaf data. Verification is timed in-process in one
process (`verify_export`), in-process as `fundtrail verify` runs it (`verify_export_file`:
exports past 8 MiB are checked on the cores the machine has idle), and as the real command in a
child process (interpreter start included).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click

from bench.common import Measurement, Timing, results_table, timed, with_ratios, write_results
from services.ledger.domain import Journal, merkle
from services.ledger.domain.signed_note import Checkpoint, generate_signer, sign_note
from services.ledger.verify import (
    PARALLEL_FROM_BYTES,
    idle_cores,
    verify_export,
    verify_export_file,
)

NAME = "ledger_verify"
RAW_PER_LINE = "hashlib SHA-256 of each 0x00 ‖ line"


def _fastest_json_parser() -> tuple[str, Callable[[bytes], Any]]:
    try:
        import msgspec
    except ImportError:
        return "json", json.loads
    return "msgspec", msgspec.json.decode


PARSER_NAME, PARSE = _fastest_json_parser()
FLOOR = f"floor: SHA-256 + {PARSER_NAME} parse of each line"


def export_lines(count: int) -> list[bytes]:
    """`count` leaves of one campaign: mostly contributions, with refunds, expenses, reversals."""
    creator = uuid.uuid4()
    journal = Journal(uuid.uuid4(), creator_id=creator, currency="EUR",
                      budget={"printing": 10**9, "shipping": 10**8})  # fmt: skip
    moment = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    pledges: list[uuid.UUID] = []
    for n in range(count):
        kind = n % 10
        if kind == 7 and pledges:
            journal.record_refund(pledges[-1], 500, "EUR", uuid.uuid4(), moment, moment)
        elif kind == 8:
            journal.record_expense(2_000, "EUR", "printing", f"Print run {n}", "Acme Print",
                                   date(2026, 3, 1), hashlib.sha256(str(n).encode()).hexdigest(),
                                   creator, moment)  # fmt: skip
        elif kind == 9:
            journal.record_reversal(journal.events[-1].entry, "entered twice", creator, moment)
        else:
            pledges.append(uuid.uuid4())
            journal.record_contribution(pledges[-1], 5_000 + n, "EUR", uuid.uuid4(), moment,
                                        moment)  # fmt: skip
    return [appended.entry.leaf_data() for appended in journal.events]


def write_files(folder: Path, lines: list[bytes]) -> tuple[Path, Path, Path]:
    signer = generate_signer("bench.local")
    root = merkle.root_from_leaves(merkle.leaf_hash(line) for line in lines)
    note = sign_note(Checkpoint("bench.local/campaigns/x", len(lines), root).to_text(), signer)
    export, checkpoint, key = folder / "export.jsonl", folder / "checkpoint.txt", folder / "key"
    export.write_bytes(b"".join(line + b"\n" for line in lines))
    checkpoint.write_text(note)
    key.write_text(signer.vkey + "\n")
    return export, checkpoint, key


def verify_in_process(export: Path, checkpoint: Path, key: Path) -> Timing:
    with timed() as timing, export.open("rb") as lines:
        report = verify_export(lines, checkpoint.read_text(), key.read_text().strip())
    assert report.ok, report.render()
    return timing


def verify_file_in_process(export: Path, checkpoint: Path, key: Path) -> Timing:
    """What the command runs: on the idle cores for an export past PARALLEL_FROM_BYTES (the CPU
    time recorded is this process's only, not its workers')."""
    with timed() as timing:
        report = verify_export_file(export, checkpoint.read_text(), key.read_text().strip())
    assert report.ok, report.render()
    return timing


def verify_command(export: Path, checkpoint: Path, key: Path) -> Timing:
    command = [sys.executable, "-m", "services", "verify", str(export), "--checkpoint",
               str(checkpoint), "--key", str(key)]  # fmt: skip
    with timed() as timing:
        finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return timing


def hash_lines(export: Path, *_: Path) -> Timing:
    """The floor: read the same file line by line and SHA-256 each leaf, nothing else."""
    with timed() as timing, export.open("rb") as lines:
        for line in lines:
            hashlib.sha256(b"\x00" + line[:-1]).digest()
    return timing


def hash_and_parse_lines(export: Path, *_: Path) -> Timing:
    """The floor of a full check: every leaf hashed and every line parsed, nothing checked."""
    sha256, parse = hashlib.sha256, PARSE
    with timed() as timing, export.open("rb") as lines:
        for line in lines:
            data = line[:-1]
            sha256(b"\x00" + data).digest()
            parse(data)
    return timing


def run(entries: int, repeats: int) -> dict[str, Any]:
    started = time.perf_counter()
    lines = export_lines(entries)
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="fundtrail-bench-verify-") as folder:
        files = write_files(Path(folder), lines)
        size = files[0].stat().st_size
        plans: list[tuple[str, Callable[[Path, Path, Path], Timing], str, str | None]] = [
            (RAW_PER_LINE, hash_lines, "ceiling", None),
            (FLOOR, hash_and_parse_lines, "ceiling", RAW_PER_LINE),
            ("verify (in-process, one process)", verify_in_process, "plumbing", FLOOR),
            ("verify (in-process, idle cores)", verify_file_in_process, "plumbing", FLOOR),
            ("fundtrail verify (child process)", verify_command, "plumbing", FLOOR),
        ]
        # Repeats are the outer loop: the machine's load drifts, and this spreads the drift
        # over every measurement alike instead of over whichever ran during a busy moment.
        timings: dict[str, list[Timing]] = {name: [] for name, *_ in plans}
        for _ in range(repeats):
            for name, measure, *_ in plans:
                timings[name].append(measure(*files))
        measurements = [
            Measurement(name, entries, tuple(timings[name]), group, baseline)
            for name, _, group, baseline in plans
        ]
    hashlib_rate = measurements[0].median_rate
    return {
        "benchmark": NAME,
        "json_parser": PARSER_NAME,
        "ratios_to_hashlib": {
            m.name: round(m.median_rate / hashlib_rate, 3) for m in measurements[1:]
        },
        "entries": entries,
        "export_bytes": size,
        "cores": len(os.sched_getaffinity(0)),
        "processes_at_start": idle_cores(),
        "parallel_from_bytes": PARALLEL_FROM_BYTES,
        "repeats": repeats,
        "export_build_seconds": round(built, 1),
        "results": with_ratios(measurements),
    }


@click.command(NAME)
@click.option("--entries", default=100_000, type=click.IntRange(min=10), show_default=True)
@click.option("--repeats", default=3, type=click.IntRange(min=1), show_default=True)
def command(entries: int, repeats: int) -> None:
    """`fundtrail verify` entries/s against raw SHA-256 of the same lines."""
    document = run(entries, repeats)
    click.echo(f"export: {document['entries']:,} entries, {document['export_bytes']:,} bytes")
    click.echo(results_table(document["results"]))
    for name, ratio in document["ratios_to_hashlib"].items():
        click.echo(f"{name}: {ratio}x {RAW_PER_LINE}")
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
