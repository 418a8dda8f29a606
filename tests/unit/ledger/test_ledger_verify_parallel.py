"""`verify_export_file` across processes gives the report of one pass, word for word.

Each export is cut into several parts (a tiny part size), so the tampering lands in the first
part, a later one, or right on a cut; the parallel report must equal `verify_export`'s.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from services.ledger import verify
from services.ledger.domain.signed_note import Signer, generate_signer
from tests.unit.ledger.test_ledger_verify import lines_of, make_entry, note_for

ENTRIES = 60


@pytest.fixture(scope="module")
def signer() -> Signer:
    return generate_signer("fundtrail.local")


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # About ten lines a part: every case below spans several parts and both processes.
    monkeypatch.setattr(verify, "PART_BYTES", 10 * len(lines_of([make_entry(0)])[0]))
    yield


def swap(lines: list[bytes], at: int) -> list[bytes]:
    lines[at], lines[at + 1] = lines[at + 1], lines[at]
    return lines


def unbalance(entries: list[dict[str, Any]], at: int) -> list[dict[str, Any]]:
    entries[at]["postings"][0]["amount"] += 1
    return entries


def original() -> list[bytes]:
    return lines_of([make_entry(seq) for seq in range(ENTRIES)])


def exact_path_lines() -> list[bytes]:
    """Good lines the fast path can't vouch for (16 digits in a row; a character past U+E000):
    the exact path judges them, in a worker as in one pass."""
    entries = [make_entry(seq) for seq in range(ENTRIES)]
    entries[31]["memo"] = "receipt 5d8f6cce532a7aeb57196be62344095936793400b3aeb358"
    entries[47]["memo"] = "\ue000 \U0001f600"
    return lines_of(entries)


TAMPERINGS: dict[str, Callable[[], list[bytes]]] = {
    "untouched": original,
    "good lines for the exact path": exact_path_lines,
    "no final newline": lambda: [*original()[:-1], original()[-1].rstrip(b"\n")],
    "a blank line late": lambda: [*original()[:45], b"\n", *original()[45:]],
    "not JSON in the first part": lambda: [b"{oops\n", *original()[1:]],
    "a line dropped in a later part": lambda: original()[:33] + original()[34:],
    "two lines swapped": lambda: swap(original(), 27),
    "every line swapped on a cut": lambda: swap(original(), 9),
    "unbalanced postings late": lambda: lines_of(
        unbalance([make_entry(seq) for seq in range(ENTRIES)], 52)
    ),  # fmt: skip
    "not canonical": lambda: [
        *original()[:40],
        original()[40].replace(b'"seq":40', b'"seq": 40'),
        *original()[41:],
    ],
    "a leaf_hash field": lambda: [
        *original()[:20],
        original()[20].replace(b'"seq":20', b'"leaf_hash":"x","seq":20'),
        *original()[21:],
    ],
    "seq starting at 5": lambda: lines_of([make_entry(seq) for seq in range(5, ENTRIES + 5)]),
    "seq as a bool": lambda: [
        *original()[:15],
        original()[15].replace(b'"seq":15', b'"seq":true'),
        *original()[16:],
    ],
}


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_the_parallel_report_is_the_single_pass_report(
    name: str, signer: Signer, small_parts: None, tmp_path: Path
) -> None:
    lines = TAMPERINGS[name]()
    note = note_for(exact_path_lines() if name.startswith("good") else original(), signer)
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(lines))

    single = verify.verify_export(lines, note, signer.vkey, max_problems=5)
    parallel = verify.verify_export_file(
        export, note, signer.vkey, max_problems=5, processes=2, parallel_from_bytes=0
    )

    assert parallel.render() == single.render()
    assert parallel.problems == single.problems
    assert parallel.more_problems == single.more_problems
    assert (parallel.entries, parallel.ok) == (single.entries, single.ok)
    assert parallel.ok == (
        name in {"untouched", "no final newline", "good lines for the exact path"}
    )


def test_the_parts_hold_whole_lines_and_cover_the_file(tmp_path: Path) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(original()))
    size = export.stat().st_size
    parts = verify._parts(export, size, 7)
    assert parts[0][0] == 0 and parts[-1][1] == size
    assert all(end == start for (_, end), (start, _) in zip(parts, parts[1:], strict=False))
    content = export.read_bytes()
    assert all(content[end - 1 : end] == b"\n" for _, end in parts)


def test_a_small_export_stays_in_this_process(
    signer: Signer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a small export started worker processes")

    # verify imports it only when it splits an export; from here, so this stands in for it.
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(original()))
    assert verify.verify_export_file(export, note_for(original(), signer), signer.vkey).ok


@pytest.mark.parametrize("name", ["untouched", "good lines for the exact path"])
def test_a_good_export_is_checked_by_the_workers_alone(
    name: str, signer: Signer, small_parts: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No part of a good export falls back to this process's own pass (which would give the
    same report, but on one core)."""
    checked_here: list[int] = []
    check_lines = verify._check_lines

    def spy(audit: Any, lines: Any, compact: Any, number: int, expected: int) -> tuple[int, int]:
        checked_here.append(number)
        return check_lines(audit, lines, compact, number, expected)

    monkeypatch.setattr(verify, "_check_lines", spy)
    lines = TAMPERINGS[name]()
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(lines))
    report = verify.verify_export_file(
        export, note_for(lines, signer), signer.vkey, processes=2, parallel_from_bytes=0
    )
    assert report.ok and report.entries == ENTRIES
    assert checked_here == []


@pytest.mark.parametrize(
    ("load", "processes"), [(0.0, 4), (0.6, 4), (1.2, 3), (2.5, 2), (3.5, 1), (9.0, 1)]
)
def test_a_busy_machine_gets_fewer_processes(
    load: float, processes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One process always, and one more per core the load average leaves idle."""
    monkeypatch.setattr(verify.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(verify.os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert verify.idle_cores() == processes
