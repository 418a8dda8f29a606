"""The verifier's batch path (`verify_batch`) passes only what the line-by-line checks pass, and
a verification in batches of any size gives their report word for word."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.ledger_verify import export_lines
from services.ledger import verify, verify_batch
from services.ledger.domain import LEAF_FIELDS
from services.ledger.domain.canonical import canonical_json
from services.ledger.domain.signed_note import Signer, generate_signer
from tests.unit.ledger.test_ledger_verify import note_for

#: Real leaves of the domain's Journal: contributions, refunds, expenses, reversals.
LEAVES = export_lines(40)


@pytest.fixture(scope="module")
def signer() -> Signer:
    return generate_signer("fundtrail.local")


def entry(seq: int) -> dict[str, Any]:
    return json.loads(LEAVES[seq])


def with_entry(seq: int, change: Callable[[dict[str, Any]], object]) -> list[bytes]:
    """The leaves with entry `seq` changed and written back canonically."""
    changed = entry(seq)
    change(changed)
    return [*LEAVES[:seq], canonical_json(changed), *LEAVES[seq + 1 :]]


def with_line(seq: int, line: bytes) -> list[bytes]:
    return [*LEAVES[:seq], line, *LEAVES[seq + 1 :]]


def provider_keys(leaf: dict[str, Any]) -> None:
    leaf.update(provider_reference="ch_3Pq", provider_event_id="evt_1", receipt_reuse_reason="é")


TAMPERINGS: dict[str, Callable[[], list[bytes]]] = {
    "untouched": lambda: LEAVES,
    "optional keys present": lambda: with_entry(8, provider_keys),
    "free text past U+E000": lambda: with_entry(18, lambda e: e.update(memo="\ue000 \U0001f600")),
    "an unknown key (allowed)": lambda: with_entry(11, lambda e: e.update(note="x")),
    "a posting in its own currency": lambda: with_entry(
        12, lambda e: [p.update(currency="EUR") for p in e["postings"]]
    ),
    "an optional key null": lambda: with_entry(28, lambda e: e.update(provider_reference=None)),
    "a key left out": lambda: with_entry(5, lambda e: e.pop("vendor")),
    "not canonical: a space": lambda: with_line(21, LEAVES[21].replace(b":", b": ", 1)),
    "not canonical: an escape": lambda: with_line(23, LEAVES[23].replace(b"EUR", b"\\u0045UR")),
    "not canonical: key order": lambda: with_line(
        30, json.dumps(dict(reversed(entry(30).items())), separators=(",", ":")).encode()
    ),
    "a duplicate key": lambda: with_line(
        25, LEAVES[25].replace(b'{"amount"', b'{"amount":1,"amount"')
    ),
    "minus zero": lambda: with_line(
        3, LEAVES[3].replace(b'"reverses_seq":null', b'"reverses_seq":-0')
    ),
    "an integer beyond 2**53": lambda: with_line(
        13, LEAVES[13].replace(b'"reverses_seq":null', b'"reverses_seq":9007199254740992')
    ),
    "a float": lambda: with_line(14, LEAVES[14].replace(b'"seq":14', b'"seq":14.0')),
    "seq as a bool": lambda: with_line(1, LEAVES[1].replace(b'"seq":1', b'"seq":true')),
    "a line dropped": lambda: LEAVES[:17] + LEAVES[18:],
    "two lines swapped": lambda: [*LEAVES[:31], LEAVES[32], LEAVES[31], *LEAVES[33:]],
    "a leaf_hash field": lambda: with_entry(9, lambda e: e.update(leaf_hash="x")),
    "unbalanced postings": lambda: with_entry(
        33, lambda e: e["postings"][0].update(amount=e["postings"][0]["amount"] + 1)
    ),
    "one posting": lambda: with_entry(34, lambda e: e["postings"].pop()),
    "an empty account": lambda: with_entry(35, lambda e: e["postings"][0].update(account="")),
    "a blank line": lambda: [*LEAVES[:36], b"", *LEAVES[36:]],
    "not JSON": lambda: with_line(0, b"{oops"),
}
GOOD = {
    "untouched",
    "optional keys present",
    "free text past U+E000",
    "an unknown key (allowed)",
    "a posting in its own currency",
    "an optional key null",
    "a key left out",
}


@pytest.fixture
def line_by_line(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Iterator[None]]:
    """Switch the batch path off, leaving the line-by-line checks: the reference."""

    def switch() -> Iterator[None]:
        with monkeypatch.context() as patch:
            patch.setattr(verify_batch, "plainly_good", lambda lines, seq: False)
            yield

    return switch


@pytest.mark.parametrize("name", list(TAMPERINGS))
def test_batches_of_any_size_give_the_line_by_line_report(
    name: str,
    signer: Signer,
    line_by_line: Callable[[], Iterator[None]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    lines = [line + b"\n" for line in TAMPERINGS[name]()]
    note = note_for(lines, signer)  # so that only the lines' own checks can fail
    for _ in line_by_line():
        reference = verify.verify_export(lines, note, signer.vkey, max_problems=5)
    assert reference.ok == (name in GOOD), reference.render()
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(lines))
    for size in (1, 5, 8, 1024):  # one line, unaligned, aligned, the whole export
        monkeypatch.setattr(verify, "BATCH_LINES", size)
        single = verify.verify_export(lines, note, signer.vkey, max_problems=5)
        assert single.render() == reference.render()
        assert (single.problems, single.more_problems, single.entries) == (
            reference.problems, reference.more_problems, reference.entries
        )  # fmt: skip
    monkeypatch.setattr(verify, "PART_BYTES", 9 * len(lines[0]))
    parallel = verify.verify_export_file(
        export, note, signer.vkey, max_problems=5, processes=2, parallel_from_bytes=0
    )
    assert parallel.render() == reference.render()


def test_real_leaves_take_the_batch_path() -> None:
    """Without this the fast path could fall through to the line-by-line one unnoticed."""
    assert verify_batch.plainly_good(LEAVES, 0)
    assert verify_batch.plainly_good(with_entry(8, provider_keys)[5:20], 5)
    assert not verify_batch.plainly_good(LEAVES, 1)


LEAF_VALUES = st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=6)
AMOUNTS = st.integers(-5000, 5000) | st.sampled_from([2**53 - 1, 2**53, -(2**53)])
TEXT_FIELDS = [name for name in LEAF_FIELDS if name not in ("amount", "postings", "seq")]


@st.composite
def leaf_like(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly well-shaped leaves (so the batch path often says yes), then one part spoiled or
    not: a value of another type, a key added or removed, postings out of balance."""
    amounts = draw(st.lists(AMOUNTS, min_size=1, max_size=3))
    if draw(st.sampled_from([True, True, False])):
        amounts.append(-sum(amounts))
    leaf: dict[str, Any] = {
        **{name: draw(st.none() | st.text(max_size=6)) for name in TEXT_FIELDS},
        "currency": draw(st.sampled_from(["EUR", "\ue000", ""])),
        "amount": draw(AMOUNTS),
        "seq": 2,
        "postings": [
            {"account": draw(st.sampled_from(["a", "b", "\U0001f600", ""])), "amount": amount}
            for amount in amounts
        ],
    }
    spoil = draw(st.sampled_from(["nothing", "nothing", "value", "add", "remove", "posting"]))
    key = draw(st.sampled_from(sorted(leaf)))
    if spoil == "value":
        leaf[key] = draw(LEAF_VALUES)
    elif spoil == "add":
        leaf[draw(st.sampled_from(["leaf_hash", "provider_reference", "Z", "\ue000"]))] = draw(
            LEAF_VALUES
        )
    elif spoil == "remove":
        del leaf[key]
    elif spoil == "posting":
        leaf["postings"][0][draw(st.sampled_from(["account", "amount", "currency"]))] = draw(
            LEAF_VALUES
        )
    return leaf


@settings(max_examples=300, deadline=None)
@given(leaf_like(), st.sampled_from(["jcs", "sorted", "spaced"]))
def test_the_batch_path_passes_only_what_every_check_passes(
    leaf: dict[str, Any], form: str
) -> None:
    if form == "jcs":
        try:
            line = rfc8785.dumps(leaf)
        except rfc8785.CanonicalizationError:  # beyond 2**53: the exact path names it
            line = json.dumps(leaf, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        line = json.dumps(leaf, sort_keys=True, ensure_ascii=form == "spaced",
                          separators=(",", ":") if form == "sorted" else None).encode()  # fmt: skip
    if verify_batch.plainly_good([line], 2):
        audit = verify._Audit(100)
        parsed = verify._read_entry(audit, line, 1)
        assert audit.problems == []
        assert parsed is not None and verify._plainly_good(parsed, 2)


def test_the_leaf_writer_escapes_strings_as_jcs_does() -> None:
    characters = [*map(chr, range(0x800)), "\u2028", "\u2029", "\ufeff", "\ud7ff", "\U0001f600"]
    for character in characters:
        assert verify_batch._encode(character) == rfc8785.dumps(character), repr(character)


@pytest.mark.parametrize(
    "content",
    [b"", b"a", b"a\n", b"\n", b"\n\n", b"a\nbc\n\nd", b"ab\r\ncd\n", b"x" * 40 + b"\n" + b"y" * 3],
)
def test_a_file_read_in_blocks_gives_the_lines_iterating_it_gives(
    content: bytes, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(content)
    with path.open("rb") as file:
        expected = [line.removesuffix(b"\n") for line in file]
    monkeypatch.setattr(verify, "BATCH_LINES", 2)
    for block in (1, 3, 64):
        monkeypatch.setattr(verify, "BLOCK_BYTES", block)
        with path.open("rb") as file:
            batches = list(verify._batches(file))
        assert [line for batch in batches for line in batch] == expected
        assert all(0 < len(batch) <= 2 for batch in batches)
        with path.open("rb") as file:  # a part of the file, as a worker reads one
            file.seek(2)
            part = [line for batch in verify._file_batches(file, 4) for line in batch]
        assert part == [line.removesuffix(b"\n") for line in io.BytesIO(content[2:6])]
