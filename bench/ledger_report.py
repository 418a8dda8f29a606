"""The spending report's render time and peak memory against a plain WeasyPrint table:

    python -m bench ledger_report --entries 100 --entries 1000 --entries 10000

Each campaign is a realistic journal built with the domain's own `Journal` over several months
(contributions, with every tenth entry a refund, an expense or a reversal). Every measurement
runs in a fresh process of its own, so its peak RSS (`ru_maxrss`, the process and its children)
is its alone: the report through `ReportRenderer.render` (figures and HTML in process, the PDF in
its bounded render worker), timed twice: the first render after start (`report_cold_s`: the
worker's start and warm-up included) and the next one, warm (`report_s`), as a running ledger
renders; and the baseline as `weasyprint.HTML(string=<table>).write_pdf()` of one
plain HTML table with one row per entry and the same eight columns.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import click

from bench.common import write_results

NAME = "ledger_report"


def campaign(count: int) -> dict[str, Any]:
    """A report source's parts for a journal of ``count`` entries, spread over the days."""
    from services.ledger.domain import Journal, merkle
    from services.ledger.domain.signed_note import Checkpoint, generate_signer, sign_note

    creator, campaign_id = uuid.uuid4(), uuid.uuid4()
    budget = {"printing": 10**8, "art": 10**7, "shipping": 10**7}
    journal = Journal(campaign_id, creator_id=creator, currency="EUR", budget=budget)
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    pledges: list[uuid.UUID] = []
    for n in range(count):
        # About 40 entries a day: a campaign of 10,000 entries runs for eight months.
        moment = start + timedelta(minutes=36 * n)
        kind = n % 10
        if kind == 7 and pledges:
            journal.record_refund(pledges[-1], 500, "EUR", uuid.uuid4(), moment, moment)
        elif kind == 8:
            category = ("printing", "art", "shipping")[n % 3]
            journal.record_expense(2_000, "EUR", category, f"Print run {n}", "Acme Print",
                                   moment.date(), hashlib.sha256(str(n).encode()).hexdigest(),
                                   creator, moment)  # fmt: skip
        elif kind == 9:
            journal.record_reversal(journal.events[-1].entry, "entered twice", creator, moment)
        else:
            pledges.append(uuid.uuid4())
            journal.record_contribution(pledges[-1], 5_000 + n, "EUR", uuid.uuid4(), moment,
                                        moment)  # fmt: skip
    leaves = [appended.entry.leaf_data() for appended in journal.events]
    root = merkle.root_from_leaves(merkle.leaf_hash(leaf) for leaf in leaves)
    signer = generate_signer("bench.local")
    note = sign_note(Checkpoint(f"bench.local/campaigns/{campaign_id}", count, root).to_text(),
                     signer)  # fmt: skip
    return {
        "campaign": {"id": campaign_id, "title": "Bench campaign", "currency": "EUR",
                     "status": "live", "goal_amount": 10**6, "deadline": start,
                     "funding_model": "flexible",
                     "budget": [{"category": c, "amount": a} for c, a in budget.items()]},
        "leaves": leaves, "root": root, "note": note, "vkey": signer.vkey,
        "campaign_id": campaign_id, "published_at": start + timedelta(days=365),
    }  # fmt: skip


def measure_report(count: int, max_rows: int) -> dict[str, float]:
    from services.ledger.adapters.checkpoints import PublishedCheckpoint
    from services.ledger.reports.rendering import ReportRenderer, ReportSource

    parts = campaign(count)
    checkpoint = PublishedCheckpoint(parts["campaign_id"], count, parts["root"], parts["note"],
                                     parts["published_at"])  # fmt: skip
    url = f"https://ledger.example/api/v1/campaigns/{parts['campaign_id']}"
    source = ReportSource(
        parts["campaign"],
        checkpoint,
        parts["leaves"],
        parts["vkey"],
        f"{url}/checkpoints/{count}",
        f"{url}/export.jsonl?tree_size={count}",
    )
    renderer = ReportRenderer(
        timeout=600, memory_limit=4 * 1024**3, max_table_rows=max_rows, max_renders=1
    )
    # A ledger process keeps its render worker warm: the first report after start pays for the
    # worker's start and warm-up (reported as `cold`), every later one does not.
    began = time.perf_counter()
    renderer.render(source)
    cold = time.perf_counter() - began
    began = time.perf_counter()
    renderer.render(source)
    warm = time.perf_counter() - began
    # Stopped and waited for, so the worker's peak RSS counts in RUSAGE_CHILDREN.
    renderer.close()
    return {"seconds": warm, "cold_seconds": cold}


def measure_baseline(count: int) -> float:
    import weasyprint

    parts = campaign(count)
    rows = []
    for leaf in parts["leaves"]:
        entry = json.loads(leaf)
        cells = [entry["recorded_at"][:10], entry["kind"], entry["category"] or "",
                 entry["memo"] or "", entry["vendor"] or "", str(entry["amount"]), "",
                 (entry["receipt_sha256"] or "")[:12]]  # fmt: skip
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    names = ("date", "kind", "category", "description", "vendor", "amount", "balance", "receipt")
    header = "".join(f"<th>{name}</th>" for name in names)
    html = (f"<html><body><table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}"
            "</tbody></table></body></html>")  # fmt: skip
    began = time.perf_counter()
    weasyprint.HTML(string=html).write_pdf()
    return time.perf_counter() - began


def peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def run_one(kind: str, count: int, max_rows: int) -> dict[str, Any]:
    """One measurement in a fresh process: its seconds and its peak memory."""
    command = [sys.executable, "-m", "bench", NAME, "--one", kind, "--entries", str(count),
               "--max-rows", str(max_rows)]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


@click.command(name=NAME)
@click.option("--entries", "sizes", type=int, multiple=True, default=(100, 1_000, 10_000))
@click.option("--max-rows", type=int, default=1_000, show_default=True,
              help="The report's LEDGER_REPORT_MAX_ROWS.")  # fmt: skip
@click.option(
    "--unbounded-up-to",
    type=int,
    default=1_000,
    show_default=True,
    help="Also render reports showing every row, for campaigns up to this size.",
)
@click.option("--one", type=click.Choice(["report", "baseline"]), hidden=True)
def command(sizes: tuple[int, ...], max_rows: int, unbounded_up_to: int, one: str | None) -> None:
    """Report render time and peak memory against a plain WeasyPrint table of the same rows."""
    if one is not None:
        count = sizes[-1]
        if one == "report":
            timings = measure_report(count, max_rows)
        else:
            timings = {"seconds": measure_baseline(count)}
        click.echo(json.dumps({**timings, "peak_mib": peak_mib()}))
        return
    results = []
    for count in sizes:
        baseline = run_one("baseline", count, max_rows)
        variants = [("report", max_rows)]
        if count <= unbounded_up_to:
            variants.append(("report, every row", 10**9))
        for label, rows in variants:
            report = run_one("report", count, rows)
            results.append({"entries": count, "variant": label, "max_rows": rows,
                            "report_s": report["seconds"], "report_cold_s": report["cold_seconds"],
                            "report_peak_mib": report["peak_mib"],
                            "baseline_s": baseline["seconds"],
                            "baseline_peak_mib": baseline["peak_mib"],
                            "speed_ratio": baseline["seconds"] / report["seconds"]})  # fmt: skip
            click.echo(json.dumps(results[-1]))
    path = write_results(NAME, {"results": results})
    click.echo(f"results: {path}")
