"""Every benchmark of bench/ runs at a tiny size and counts what it should.

Nothing else runs the benchmarks, and they rotted unseen once (handlers took typed events and a
clock; two benchmarks crashed for weeks). A smoke run's figures mean nothing: these tests check
that each benchmark completes and that its result counts the work asked of it, never a time.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pytest

from bench.__main__ import Benchmarks, main, module_names
from bench.ledger_verify import FLOOR, RAW_PER_LINE
from tests.conftest import unavailable

Check = Callable[[dict[str, Any]], None]


def counted(expected: dict[str, int]) -> Check:
    """Each named measurement of a `results` list went through exactly that many events."""

    def check(document: dict[str, Any]) -> None:
        found = {result["name"]: result["events"] for result in document["results"]}
        assert {name: found.get(name) for name in expected} == expected
        assert all(min(result["seconds"]) > 0 for result in document["results"])

    return check


def check_kafka_plumbing(document: dict[str, Any]) -> None:
    # The benchmark itself refuses a run that lost or doubled an event (BenchmarkError).
    counted(
        {
            "raw produce": 12,
            "raw consume": 12,
            "outbox relay, SQLite, batch 500": 12,
            "outbox relay, SQLite, batch 5": 12,
            "consumer, SQLite": 12,
            "decode only (no Kafka, no DB)": 4,
            "EventConsumer.handle, SQLite (no Kafka)": 4,
            "handler transactions, SQLite (no Kafka, no decode)": 4,
        }
    )(document)


def check_ledger_append(document: dict[str, Any]) -> None:
    # The benchmark reads the appended entries back and refuses a journal short of `entries`.
    counted(
        {
            f"{kind}, SQLite, {per} per transaction": 100
            for kind in ("journal append", "plain INSERT")
            for per in (1, 100)
        }
    )(document)


def check_ledger_ingest(document: dict[str, Any]) -> None:
    # The benchmark itself refuses a run whose entries or relayed rows fall short.
    found = {result["name"]: result["events"] for result in document["results"]}
    assert found == {
        "settlement ingest": 4,
        "latency, pledge.collected -> entry": 6,
        "latency, raw echo": 6,
    }
    assert document["ingest"]["entries_per_s"] > 0


def check_ledger_export(document: dict[str, Any]) -> None:
    (size,) = document["sizes"]
    assert size["entries"] == 20
    assert size["output_bytes"]["export.csv (public)"] > 0


def check_ledger_proofs(document: dict[str, Any]) -> None:
    (result,) = document["results"]
    assert (result["database"], result["entries"]) == ("SQLite", 16)
    assert result["inclusion_proof_hashes"] > 0


def check_event_decoding(document: dict[str, Any]) -> None:
    results = {result["name"]: result for result in document["results"]}
    assert set(results) == {"campaign.created", "pledge.collected"}
    assert {result["events"] for result in results.values()} == {20}
    assert all(result["compiled_us"] > 0 for result in results.values())


def check_ledger_verify(document: dict[str, Any]) -> None:
    results = {result["name"]: result for result in document["results"]}
    assert list(results) == [
        RAW_PER_LINE,
        FLOOR,
        "verify (in-process, one process)",
        "verify (in-process, idle cores)",
        "fundtrail verify (child process)",
    ]
    assert {result["events"] for result in results.values()} == {20}
    assert results["verify (in-process, one process)"]["ratio_to_baseline"] > 0
    assert results["verify (in-process, idle cores)"]["ratio_to_baseline"] > 0
    assert set(document["ratios_to_hashlib"]) == set(results) - {RAW_PER_LINE}


def check_ledger_report(document: dict[str, Any]) -> None:
    (result,) = document["results"]
    assert (result["entries"], result["variant"]) == (10, "report")
    assert result["report_s"] > 0 and result["baseline_s"] > 0


def check_pledges_api(document: dict[str, Any]) -> None:
    for name, (run,) in document["runs"].items():
        # The benchmark refuses non-2xx answers and runs that wrote fewer rows than answers.
        assert run["requests"] > 0 and run["non_2xx"] == 0, name
        assert run["rows_written"] >= run["requests"], name
        # Recorded for every run; a tiny run may take less than one clock tick of CPU.
        assert run["worker_cpu_ms_per_request"] >= 0, name
    assert document["settings"]["outbox_rows_after_run"] >= 1


def check_site_cards(document: dict[str, Any]) -> None:
    assert set(document["rows"]) == {"png, no cover", "jpeg, no cover", "png, cover", "jpeg, cover"}
    assert all(row["bytes"] > 0 for row in document["rows"].values())


def check_site_receipts(document: dict[str, Any]) -> None:
    (row,) = document["rows"]
    assert row["megabytes"] == 1
    assert row["buffered"] and row["streamed"]


def check_outbox_relays(document: dict[str, Any]) -> None:
    counted(
        {
            "one relay": 30,
            "2 relays, one elected": 30,
            "2 relays, no election (before)": 30,
        }
    )(document)
    duplicates = {r["name"]: r["duplicates_per_event"] for r in document["results"]}
    # Elected, nothing goes twice. (Without the election, how many go twice depends on how
    # the relays' threads happen to overlap: too timing-bound for a smoke run to assert.)
    assert duplicates["one relay"] == duplicates["2 relays, one elected"] == 0


def check_updates_mail(document: dict[str, Any]) -> None:
    expected = {result["name"]: 5 for result in document["results"]}
    assert len(expected) == 6
    counted(expected)(document)


#: Per benchmark: the options of a tiny run, and what its JSON result must show.
SMOKE: dict[str, tuple[str, Check]] = {
    "event_decoding": ("--events 20 --repeats 1", check_event_decoding),
    "kafka_plumbing": (
        "--events 12 --breakdown-events 4 --repeats 1 --large-batch 5 --no-postgres",
        check_kafka_plumbing,
    ),
    "ledger_append": ("--entries 100 --repeats 1 --no-postgres", check_ledger_append),
    "ledger_export": ("--entries 20 --repeats 1", check_ledger_export),
    "ledger_ingest": ("--pledges 4 --rate 100 --latency-events 6", check_ledger_ingest),
    "ledger_proofs": (
        "--sizes 16 --proofs 3 --checkpoints 2 --no-postgres",
        check_ledger_proofs,
    ),
    "ledger_report": ("--entries 10 --unbounded-up-to 0", check_ledger_report),
    "ledger_verify": ("--entries 20 --repeats 1", check_ledger_verify),
    "outbox_relays": ("--events 30 --relays 2 --repeats 1", check_outbox_relays),
    "pledges_api": (
        # Lines for 1 s at up to 1,200 pledges/s: an idle machine ran past 300 (each line is
        # sent once; a second pledge by the same backer is refused).
        "--seconds 1 --warm-up 1 --pool 1200 --repeats 1 --workers 1 --threads 2"
        " --connections 2 --wrk-threads 1 --campaigns 1",
        check_pledges_api,
    ),
    "site_cards": ("--requests 5 --cold 1", check_site_cards),
    "site_receipts": ("--megabytes 1 --repeats 1", check_site_receipts),
    "updates_mail": ("--backers 5 --repeats 1", check_updates_mail),
}


def benchmarks() -> list[str]:
    group = main
    assert isinstance(group, Benchmarks)
    with click.Context(group) as context:
        return group.list_commands(context)


def test_every_benchmark_has_a_smoke_run() -> None:
    assert benchmarks() == sorted(SMOKE)
    assert set(benchmarks()) <= set(module_names())


#: Which benchmarks need which real service (the markers say so to `-m` selections).
NEEDS: dict[str, list[pytest.MarkDecorator]] = {
    "kafka_plumbing": [pytest.mark.kafka],
    "ledger_ingest": [pytest.mark.kafka, pytest.mark.postgres],
    "outbox_relays": [pytest.mark.kafka, pytest.mark.postgres],
    "pledges_api": [pytest.mark.postgres],
}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=NEEDS.get(name, [])) for name in sorted(SMOKE)]
)
def test_benchmark_runs_at_a_tiny_size(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if name in ("kafka_plumbing", "ledger_ingest", "outbox_relays"):
        # The session's broker: starting one per benchmark would cost seconds.
        monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", request.getfixturevalue("kafka_bootstrap"))
    if name in ("pledges_api", "ledger_ingest", "outbox_relays"):
        request.getfixturevalue("postgres_admin_url")  # skips, or in CI fails, without one
    if name == "pledges_api" and shutil.which("wrk") is None:
        unavailable("the pledges_api benchmark needs wrk (apt-get install wrk)")
    monkeypatch.setenv("FUNDTRAIL_BENCH_RESULTS_DIR", str(tmp_path))
    options, check = SMOKE[name]
    main.main([name, *options.split()], prog_name="python -m bench", standalone_mode=False)
    check(json.loads((tmp_path / f"{name}.json").read_text()))
