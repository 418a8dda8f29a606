"""`fundtrail verify` logic: a good export verifies; every kind of tampering is named."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from services.ledger import verify
from services.ledger.domain import merkle
from services.ledger.domain.canonical import canonical_json
from services.ledger.domain.signed_note import Checkpoint, Signer, generate_signer, sign_note

ORIGIN = "fundtrail.local/campaigns/6f1c2a34-1111-4d2b-9c55-0a7e5b1d2c3e"


@pytest.fixture(scope="module")
def signer() -> Signer:
    return generate_signer("fundtrail.local")


def make_entry(seq: int, amount: int = 1500, currency: str = "EUR") -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": "contribution",
        "amount": amount,
        "currency": currency,
        "category": None,
        "memo": f"pledge p-{seq}",
        "occurred_at": "2026-03-01T10:00:00Z",
        "recorded_at": "2026-03-01T10:00:01Z",
        "postings": [
            {"account": "campaign:funds", "amount": amount},
            {"account": f"pledge:p-{seq}", "amount": -amount},
        ],
    }


def lines_of(entries: list[dict[str, Any]]) -> list[bytes]:
    return [canonical_json(entry) + b"\n" for entry in entries]


def note_for(lines: list[bytes], signer: Signer, origin: str = ORIGIN) -> str:
    """A checkpoint signed over exactly these lines, as the ledger would publish it."""
    root = merkle.root_from_leaves(merkle.leaf_hash(line.rstrip(b"\n")) for line in lines)
    return sign_note(Checkpoint(origin, len(lines), root).to_text(), signer)


def failures(report: verify.Report) -> set[str]:
    return {problem.check for problem in report.problems}


def test_an_untouched_export_verifies(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(12)])
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey, origin=ORIGIN)
    assert report.ok, report.render()
    assert report.entries == 12
    assert report.problems == []
    assert report.checkpoint is not None and report.checkpoint.tree_size == 12
    checked = {check.name for check in report.checks}
    assert {"signature", "canonical", "seq", "postings", "tree_size", "root"} <= checked
    assert report.render().endswith("verified\n")


def test_lines_without_trailing_newlines_and_an_empty_log_verify(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(3)])
    stripped = [line.rstrip(b"\n") for line in lines]
    assert verify.verify_export(stripped, note_for(lines, signer), signer.vkey).ok
    assert verify.verify_export([], note_for([], signer), signer.vkey).ok


def test_a_changed_field_breaks_the_root(signer: Signer) -> None:
    entries = [make_entry(seq) for seq in range(8)]
    note = note_for(lines_of(entries), signer)
    entries[3]["memo"] = "pledge p-3 (edited)"
    report = verify.verify_export(lines_of(entries), note, signer.vkey)
    assert not report.ok
    assert failures(report) == {"root"}
    assert report.failed_checks == ["root"]


def test_a_hand_edited_line_is_named_as_not_canonical(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(5)])
    note = note_for(lines, signer)
    lines[2] = lines[2].replace(b'"kind":', b'"kind": ')
    report = verify.verify_export(lines, note, signer.vkey)
    canonical = [problem for problem in report.problems if problem.check == "canonical"]
    assert [(problem.line, problem.seq) for problem in canonical] == [(3, 2)]
    assert "root" in failures(report)


def test_a_dropped_entry_is_named(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(6)])
    note = note_for(lines, signer)
    del lines[2]
    report = verify.verify_export(lines, note, signer.vkey)
    seq_problems = [problem for problem in report.problems if problem.check == "seq"]
    assert [(problem.line, problem.seq) for problem in seq_problems] == [(3, 3)]
    assert "expected seq 2" in seq_problems[0].message
    assert failures(report) == {"seq", "tree_size", "root"}


def test_two_swapped_entries_are_named(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(6)])
    note = note_for(lines, signer)
    lines[1], lines[2] = lines[2], lines[1]
    report = verify.verify_export(lines, note, signer.vkey)
    seq_problems = [problem for problem in report.problems if problem.check == "seq"]
    assert [(problem.line, problem.seq) for problem in seq_problems] == [(2, 2), (3, 1)]
    assert failures(report) == {"seq", "root"}


def test_a_checkpoint_with_another_root_fails_on_root(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(4)])
    other = lines_of([make_entry(seq, amount=99) for seq in range(4)])
    report = verify.verify_export(lines, note_for(other, signer), signer.vkey)
    assert failures(report) == {"root"}
    assert "differs from the checkpoint" in report.problems[0].message


def test_a_swapped_root_in_a_signed_checkpoint_breaks_the_signature(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(4)])
    note = note_for(lines, signer)
    real_root = note.split("\n")[2]
    fake_root = base64.b64encode(bytes(32)).decode()
    report = verify.verify_export(lines, note.replace(real_root, fake_root), signer.vkey)
    assert failures(report) == {"signature"}
    statuses = {check.name: check.status for check in report.checks}
    assert statuses["signature"] == "failed"
    assert statuses["root"] == statuses["tree_size"] == "skipped"
    assert not report.ok


def test_a_checkpoint_signed_by_another_key_fails_on_signature(signer: Signer) -> None:
    lines = lines_of([make_entry(seq) for seq in range(4)])
    impostor = generate_signer("fundtrail.local")
    report = verify.verify_export(lines, note_for(lines, impostor), signer.vkey)
    assert failures(report) == {"signature"}
    assert "trusted key" in report.problems[0].message
    assert not report.ok


def test_unbalanced_postings_are_named_even_when_signed(signer: Signer) -> None:
    entries = [make_entry(seq) for seq in range(5)]
    entries[3]["postings"][1]["amount"] = -1400
    lines = lines_of(entries)
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey)
    assert failures(report) == {"postings"}
    (problem,) = report.problems
    assert (problem.line, problem.seq) == (4, 3)
    assert "EUR sum to 100" in problem.message


def test_postings_balance_per_currency(signer: Signer) -> None:
    entry = make_entry(0)
    entry["postings"] = [
        {"account": "a", "amount": 10, "currency": "EUR"},
        {"account": "b", "amount": -10, "currency": "USD"},
    ]
    lines = lines_of([entry])
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey)
    messages = [problem.message for problem in report.problems]
    assert messages == ["postings in EUR sum to 10, not 0", "postings in USD sum to -10, not 0"]


def test_an_entry_carrying_its_leaf_hash_is_refused(signer: Signer) -> None:
    entry = make_entry(0)
    entry["leaf_hash"] = base64.b64encode(bytes(32)).decode()
    lines = lines_of([entry])
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey)
    assert failures(report) == {"leaf_hash"}


@pytest.mark.parametrize(
    "bad_line",
    [b'{"seq":0,"amount":15.0}', b"not json", b"[1,2]", b'{"seq":0,"x":NaN}', b"\xff\xfe"],
)
def test_lines_that_are_not_ledger_json_are_named(signer: Signer, bad_line: bytes) -> None:
    lines = [bad_line + b"\n"]
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey)
    assert "json" in failures(report)
    assert report.problems[0].line == 1


def test_a_malformed_key_is_named(signer: Signer) -> None:
    lines = lines_of([make_entry(0)])
    report = verify.verify_export(lines, note_for(lines, signer), "not a key")
    assert failures(report) == {"key"}
    assert not report.ok


def test_a_checkpoint_for_another_log_is_named(signer: Signer) -> None:
    lines = lines_of([make_entry(0)])
    note = note_for(lines, signer, origin="fundtrail.local/campaigns/other")
    report = verify.verify_export(lines, note, signer.vkey, origin=ORIGIN)
    assert failures(report) == {"origin"}


def test_problems_beyond_the_cap_are_counted_not_kept(signer: Signer) -> None:
    entries = [make_entry(seq) for seq in range(30)]
    for entry in entries:
        entry["postings"][0]["amount"] += 1
    lines = lines_of(entries)
    report = verify.verify_export(lines, note_for(lines, signer), signer.vkey, max_problems=10)
    assert len(report.problems) == 10
    assert report.more_problems == 20
    assert "and 20 more problems" in report.render()


def _log(signer: Signer, size: int) -> tuple[merkle.MemoryNodeStore, list[str]]:
    """A stored log of `size` entries and its signed checkpoint at every size."""
    store = merkle.MemoryNodeStore()
    notes = [note_for([], signer)]
    for seq, line in enumerate(lines_of([make_entry(seq) for seq in range(size)])):
        store.append(seq, merkle.leaf_hash(line.rstrip(b"\n")))
        root = merkle.root_hash(store, seq + 1)
        notes.append(sign_note(Checkpoint(ORIGIN, seq + 1, root).to_text(), signer))
    return store, notes


def _proof(store: merkle.MemoryNodeStore, old: int, new: int) -> dict[str, Any]:
    hashes = merkle.consistency_proof(store, old, new)
    # Through JSON, as the CLI reads it from the proof endpoint's response.
    return json.loads(
        json.dumps(
            {"from": old, "to": new, "hashes": [base64.b64encode(h).decode() for h in hashes]}
        )
    )


def test_a_consistent_pair_of_checkpoints_verifies(signer: Signer) -> None:
    store, notes = _log(signer, 11)
    for old, new in [(3, 11), (4, 8), (0, 5), (7, 7)]:
        report = verify.verify_consistency(
            notes[old], notes[new], _proof(store, old, new), signer.vkey
        )
        assert report.ok, report.render()


def test_a_tampered_consistency_proof_is_named(signer: Signer) -> None:
    store, notes = _log(signer, 11)
    proof = _proof(store, 3, 11)
    proof["hashes"][1] = base64.b64encode(bytes(32)).decode()
    report = verify.verify_consistency(notes[3], notes[11], proof, signer.vkey)
    assert failures(report) == {"consistency"}


def test_a_proof_for_other_sizes_is_named(signer: Signer) -> None:
    store, notes = _log(signer, 11)
    report = verify.verify_consistency(notes[3], notes[11], _proof(store, 4, 11), signer.vkey)
    assert failures(report) == {"proof"}
    assert "'from'" in report.problems[0].message


def test_a_forked_log_is_not_consistent(signer: Signer) -> None:
    store, notes = _log(signer, 8)
    forked_lines = lines_of([make_entry(seq, amount=7) for seq in range(8)])
    forked_note = note_for(forked_lines, signer)
    report = verify.verify_consistency(notes[4], forked_note, _proof(store, 4, 8), signer.vkey)
    assert failures(report) == {"consistency"}


def test_a_new_checkpoint_signed_by_another_key_is_named(signer: Signer) -> None:
    store, notes = _log(signer, 6)
    _, impostor_notes = _log(generate_signer("fundtrail.local"), 6)
    report = verify.verify_consistency(
        notes[2], impostor_notes[6], _proof(store, 2, 6), signer.vkey
    )
    assert failures(report) == {"signature"}
    assert report.problems[0].message.startswith("new checkpoint")
    assert not report.ok


def test_checkpoints_from_different_logs_are_named(signer: Signer) -> None:
    store, notes = _log(signer, 6)
    lines = lines_of([make_entry(seq) for seq in range(6)])
    other_log = note_for(lines, signer, origin="fundtrail.local/campaigns/other")
    report = verify.verify_consistency(notes[2], other_log, _proof(store, 2, 6), signer.vkey)
    assert failures(report) == {"origin"}
