"""`python -m bench ledger_verify` at a tiny size: it must keep running and count what it should,
so the benchmark can't rot unnoticed again (issue 17)."""

from __future__ import annotations

from bench.ledger_verify import FLOOR, RAW_PER_LINE, run


def test_the_verify_benchmark_runs_and_compares_with_the_floor() -> None:
    document = run(entries=20, repeats=1)
    results = {result["name"]: result for result in document["results"]}
    assert list(results) == [
        RAW_PER_LINE,
        FLOOR,
        "verify (in-process)",
        "fundtrail verify (child process)",
    ]
    assert {result["events"] for result in results.values()} == {20}
    assert results["verify (in-process)"]["ratio_to_baseline"] > 0
    assert set(document["ratios_to_hashlib"]) == set(results) - {RAW_PER_LINE}
