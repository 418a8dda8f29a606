"""Entries as log leaves: canonical JSON, a stable shape, strict parsing, offline verification."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.ledger import verify
from services.ledger.domain import LEAF_FIELDS, Entry, Journal, MalformedLeaf, merkle
from services.ledger.domain.canonical import canonical_json
from services.ledger.domain.signed_note import Checkpoint, generate_signer, sign_note

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
CREATOR = uuid.UUID("3f0c5a52-7f51-4bd6-9a53-1b2f2c1f1a01")
PLEDGE = uuid.UUID("0b7d6a1e-55c4-4c61-8f3e-2a9e4d7c1b20")
EVENT = uuid.UUID("c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8")
RECEIPT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CAMPAIGN = uuid.UUID("6f1c2a34-1111-4d2b-9c55-0a7e5b1d2c3e")
ORIGIN = f"fundtrail.local/campaigns/{CAMPAIGN}"


def small_journal() -> tuple[Journal, list[Entry]]:
    """Every kind of entry, with times in another zone and with fractions of a second."""
    journal = Journal(CAMPAIGN, creator_id=CREATOR, currency="EUR", budget={"parts": 5_000})
    plus_two = timezone(timedelta(hours=2))
    entries = [
        journal.record_contribution(PLEDGE, 1_500, "EUR", EVENT, NOW.astimezone(plus_two), NOW),
        journal.record_contribution(uuid.uuid4(), 9_000, "EUR", uuid.uuid4(), NOW, NOW),
        journal.record_refund(PLEDGE, 500, "EUR", uuid.uuid4(), NOW, NOW),
        journal.record_expense(
            2_000,
            "EUR",
            "Parts",
            'Panels, cables\nand a "sturdy" frame — from Köln',
            "Sunny Parts GmbH",
            date(2026, 2, 28),
            RECEIPT,
            CREATOR,
            NOW + timedelta(microseconds=250),
        ),
    ]
    entries.append(journal.record_reversal(entries[3], "wrong project", CREATOR, NOW))
    entries.append(journal.record_reversal(entries[4], "right project after all", CREATOR, NOW))
    return journal, entries


def test_a_contribution_leaf_is_exactly_this_line() -> None:
    journal = Journal(CAMPAIGN, creator_id=CREATOR, currency="EUR")
    occurred = datetime(2026, 3, 1, 12, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    entry = journal.record_contribution(PLEDGE, 1_500, "EUR", EVENT, occurred, NOW)
    assert entry.leaf_data() == (
        b'{"amount":1500,"category":null,"currency":"EUR",'
        b'"event_id":"c1a2b3c4-d5e6-4f70-8192-a3b4c5d6e7f8","incurred_on":null,'
        b'"kind":"contribution","memo":null,"occurred_at":"2026-03-01T10:00:30Z",'
        b'"pledge_id":"0b7d6a1e-55c4-4c61-8f3e-2a9e4d7c1b20",'
        b'"postings":[{"account":"assets:funds","amount":1500},'
        b'{"account":"income:pledges","amount":-1500}],"receipt_sha256":null,'
        b'"recorded_at":"2026-03-01T10:00:00Z","recorded_by":null,"reverses_seq":null,'
        b'"seq":0,"vendor":null}'
    )


def test_an_expense_leaf_holds_its_receipt_date_vendor_and_recorder() -> None:
    _, entries = small_journal()
    leaf = json.loads(entries[3].leaf_data())
    assert leaf["receipt_sha256"] == RECEIPT
    assert (leaf["incurred_on"], leaf["vendor"], leaf["category"]) == (
        "2026-02-28",
        "Sunny Parts GmbH",
        "parts",
    )
    assert leaf["recorded_by"] == "3f0c5a52-7f51-4bd6-9a53-1b2f2c1f1a01"
    assert leaf["recorded_at"] == leaf["occurred_at"] == "2026-03-01T10:00:00.000250Z"
    assert leaf["memo"].endswith("from Köln")


def test_every_leaf_is_canonical_and_has_the_same_keys() -> None:
    _, entries = small_journal()
    for entry in entries:
        leaf = entry.leaf_data()
        parsed = json.loads(leaf)
        assert canonical_json(parsed) == leaf
        assert sorted(parsed) == sorted(LEAF_FIELDS)
        assert "leaf_hash" not in parsed
        assert b"\n" not in leaf  # one line of export.jsonl, even with a multi-line memo


def test_leaves_hold_no_backer_identity() -> None:
    _, entries = small_journal()
    pledge_entries = [e for e in entries if e.kind in ("contribution", "refund")]
    for entry in pledge_entries:
        parsed = json.loads(entry.leaf_data())
        free_text = {k: v for k, v in parsed.items() if k in ("memo", "vendor", "category")}
        assert free_text == {"memo": None, "vendor": None, "category": None}


def test_leaves_round_trip() -> None:
    _, entries = small_journal()
    for entry in entries:
        again = Entry.from_leaf(entry.leaf_data())
        assert again == entry
        assert again.leaf_data() == entry.leaf_data()


def _edited(leaf: bytes, **changes: object) -> bytes:
    obj = json.loads(leaf)
    obj.update(changes)
    return canonical_json(obj)


def test_from_leaf_refuses_anything_but_a_canonical_leaf() -> None:
    _, entries = small_journal()
    contribution, expense = entries[0].leaf_data(), entries[3].leaf_data()
    postings = json.loads(contribution)["postings"]
    bad = {
        "spaced": contribution.replace(b'"kind":', b'"kind": '),
        "with leaf_hash": _edited(contribution, leaf_hash="AAAA"),
        "a key missing": canonical_json(
            {k: v for k, v in json.loads(contribution).items() if k != "memo"}
        ),
        "an unknown key": _edited(contribution, note="hi"),
        "float amount": contribution.replace(b'"amount":1500,', b'"amount":1500.0,'),
        "unbalanced": _edited(contribution, postings=[postings[0], postings[0]]),
        "amount and postings differ": _edited(contribution, amount=1_600),
        "other accounts": _edited(
            contribution,
            postings=[{"account": "assets:elsewhere", "amount": 1_500}, postings[1]],
        ),
        "unknown kind": _edited(contribution, kind="gift"),
        "offset time": _edited(contribution, occurred_at="2026-03-01T10:00:00+00:00"),
        "millisecond time": _edited(contribution, occurred_at="2026-03-01T10:00:00.500Z"),
        "upper-case id": _edited(contribution, pledge_id=str(PLEDGE).upper()),
        "not a uuid": _edited(contribution, pledge_id="alice@example.com"),
        "basic date": _edited(expense, incurred_on="20260228"),
        "seq as text": _edited(contribution, seq="0"),
        "memo on a contribution": _edited(contribution, memo="from Alice"),
        "expense without receipt": _edited(expense, receipt_sha256=None),
        "reversal of a later entry": _edited(entries[4].leaf_data(), reverses_seq=4),
        "not an object": b"[1, 2]",
        "not utf-8": b'{"kind":"\xff"}',
        "empty": b"",
    }
    for name, data in bad.items():
        with pytest.raises(MalformedLeaf):
            Entry.from_leaf(data)
            pytest.fail(f"accepted a leaf that is {name}")


def test_a_journals_leaves_verify_offline_against_a_signed_checkpoint() -> None:
    _, entries = small_journal()
    lines = [entry.leaf_data() + b"\n" for entry in entries]
    signer = generate_signer("fundtrail.local")
    root = merkle.root_from_leaves(merkle.leaf_hash(entry.leaf_data()) for entry in entries)
    note = sign_note(Checkpoint(ORIGIN, len(entries), root).to_text(), signer)

    report = verify.verify_export(lines, note, signer.vkey, origin=ORIGIN)
    assert report.ok, report.render()
    assert report.entries == 6

    # One changed amount anywhere, even kept canonical and balanced, breaks the root.
    tampered = list(lines)
    expense = json.loads(tampered[3])
    expense["amount"] = 200
    expense["postings"] = [
        {"account": "expenses:parts", "amount": 200},
        {"account": "assets:funds", "amount": -200},
    ]
    tampered[3] = canonical_json(expense) + b"\n"
    report = verify.verify_export(tampered, note, signer.vkey, origin=ORIGIN)
    assert not report.ok
    assert report.failed_checks == ["root"]
