"""The verifiable log over HTTP, on SQLite and PostgreSQL: checkpoints, proofs, key and export,
each checked with the RFC 9162 verifiers against what the API itself signed."""

from __future__ import annotations

import base64
import os
import stat
import uuid
from collections.abc import Callable

import pytest

from services.ledger.domain import merkle
from services.ledger.domain.signed_note import Checkpoint, Signer, Verifier, open_note
from tests.integration.ledger.ledger_support import ORIGIN, Ledger, post_expense

pytestmark = pytest.mark.both_databases


def checkpoint_of(ledger: Ledger, path: str) -> Checkpoint:
    """GET a checkpoint and open it with the key the API serves."""
    response = ledger.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    vkey = ledger.client.get("/api/v1/log/key").get_data(as_text=True)
    checkpoint = Checkpoint.from_text(
        open_note(response.get_data(as_text=True), Verifier.from_vkey(vkey))
    )
    assert response.headers["Fundtrail-Tree-Size"] == str(checkpoint.tree_size)
    return checkpoint


def export_lines(ledger: Ledger, campaign_id: uuid.UUID, query: str = "") -> list[bytes]:
    response = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/export.jsonl{query}")
    assert response.status_code == 200
    lines = response.data.split(b"\n")
    assert lines[-1] == b""  # every line ends with a newline
    return lines[:-1]


def b64(values: list[str]) -> list[bytes]:
    return [base64.b64decode(value) for value in values]


def test_the_checkpoint_signs_the_root_of_the_export(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    for amount in (1_000, 2_000, 3_000):
        ledger.collect(campaign_id, amount)
    assert post_expense(ledger, campaign_id, token, amount="500").status_code == 201

    checkpoint = checkpoint_of(ledger, f"/api/v1/campaigns/{campaign_id}/checkpoint")
    assert checkpoint.origin == f"{ORIGIN}/campaigns/{campaign_id}"
    assert checkpoint.tree_size == 4

    response = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/export.jsonl")
    assert response.headers["Fundtrail-Tree-Size"] == "4"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/jsonl"
    lines = export_lines(ledger, campaign_id)
    assert merkle.root_from_leaves(merkle.leaf_hash(line) for line in lines) == checkpoint.root_hash
    entries = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/entries").json["entries"]
    assert [base64.b64decode(e["leaf_hash"]) for e in entries] == [
        merkle.leaf_hash(line) for line in lines
    ]


def test_checkpoints_are_published_once_per_size_and_kept(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    ledger.auto_worker = False
    path = f"/api/v1/campaigns/{campaign_id}"
    empty = checkpoint_of(ledger, f"{path}/checkpoint")
    assert (empty.tree_size, empty.root_hash) == (0, merkle.EMPTY_ROOT)
    ledger.collect(campaign_id, 1_000)
    ledger.collect(campaign_id, 2_000)
    # Reads never sign: until the worker hears of the appends, the empty tree is the latest.
    assert checkpoint_of(ledger, f"{path}/checkpoint") == empty
    ledger.catch_up()
    early = checkpoint_of(ledger, f"{path}/checkpoint")
    published = [e for _, e in ledger.outbox() if e.type == "ledger.checkpoint_published"]

    assert checkpoint_of(ledger, f"{path}/checkpoint") == early  # not stale: the same one
    assert [e for _, e in ledger.outbox() if e.type == "ledger.checkpoint_published"] == published
    assert [e.payload["tree_size"] for e in published] == [0, 2]
    announced = published[-1].payload
    assert announced["root_hash"] == base64.b64encode(early.root_hash).decode()
    assert announced["note"] == ledger.client.get(f"{path}/checkpoint").get_data(as_text=True)

    ledger.collect(campaign_id, 3_000)
    ledger.catch_up()
    assert checkpoint_of(ledger, f"{path}/checkpoint").tree_size == 3
    assert checkpoint_of(ledger, f"{path}/checkpoints/2") == early
    assert ledger.client.get(f"{path}/checkpoints/1").status_code == 404
    assert len(export_lines(ledger, campaign_id, "?tree_size=2")) == 2
    assert ledger.client.get(f"{path}/export.jsonl?tree_size=1").status_code == 404
    assert ledger.client.get(f"/api/v1/campaigns/{uuid.uuid4()}/checkpoint").status_code == 404


def test_inclusion_proofs_verify_for_every_entry_and_older_trees(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    for amount in range(1_000, 1_006):
        ledger.collect(campaign_id, amount)
    path = f"/api/v1/campaigns/{campaign_id}"
    early = checkpoint_of(ledger, f"{path}/checkpoint")
    for amount in range(2_000, 2_005):
        ledger.collect(campaign_id, amount)
    late = checkpoint_of(ledger, f"{path}/checkpoint")
    leaves = [merkle.leaf_hash(line) for line in export_lines(ledger, campaign_id)]

    for seq, leaf in enumerate(leaves):
        proof = ledger.client.get(f"{path}/proof/inclusion?seq={seq}").json
        assert (proof["leaf_index"], proof["tree_size"]) == (seq, late.tree_size)
        merkle.verify_inclusion(leaf, seq, late.tree_size, b64(proof["hashes"]), late.root_hash)
    old = ledger.client.get(f"{path}/proof/inclusion?seq=2&tree_size={early.tree_size}").json
    merkle.verify_inclusion(leaves[2], 2, early.tree_size, b64(old["hashes"]), early.root_hash)
    with pytest.raises(merkle.InvalidProof):
        merkle.verify_inclusion(leaves[3], 2, early.tree_size, b64(old["hashes"]), early.root_hash)


def test_consistency_proofs_verify_between_checkpoints(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    path = f"/api/v1/campaigns/{campaign_id}"
    sizes = []
    for batch in (3, 4, 6):
        for _ in range(batch):
            ledger.collect(campaign_id, 1_000)
        sizes.append(checkpoint_of(ledger, f"{path}/checkpoint"))
    for old in sizes:
        for new in sizes:
            if old.tree_size > new.tree_size:
                continue
            proof = ledger.client.get(
                f"{path}/proof/consistency?from={old.tree_size}&to={new.tree_size}"
            ).json
            assert (proof["from"], proof["to"]) == (old.tree_size, new.tree_size)
            merkle.verify_consistency(
                old.tree_size, new.tree_size, old.root_hash, new.root_hash, b64(proof["hashes"])
            )


@pytest.mark.parametrize(
    ("query", "blamed"),
    [
        ("inclusion?seq=3&tree_size=3", "seq"),
        ("inclusion?seq=0&tree_size=4", "tree_size"),
        ("inclusion?seq=-1", "seq"),
        ("inclusion?tree_size=2", "seq"),
        ("inclusion?seq=x", "seq"),
        ("consistency?from=2&to=1", "from"),
        ("consistency?from=1&to=4", "to"),
        ("consistency?to=2", "from"),
    ],
)
def test_proofs_outside_the_log_are_422(ledger: Ledger, query: str, blamed: str) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    for amount in (1, 2, 3):
        ledger.collect(campaign_id, amount)
    response = ledger.client.get(f"/api/v1/campaigns/{campaign_id}/proof/{query}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert blamed in response.json["errors"]
    unknown = ledger.client.get(f"/api/v1/campaigns/{uuid.uuid4()}/proof/consistency?from=0&to=0")
    assert unknown.status_code == 404


def test_the_key_is_made_once_with_mode_0600_and_served(
    make_ledger: Callable[..., Ledger], database_url: str, tmp_path: os.PathLike[str]
) -> None:
    key_file = tmp_path / "elsewhere" / "log.key"  # type: ignore[operator]
    first = make_ledger(database_url, log_key_file=str(key_file))
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    signer = Signer.from_skey(key_file.read_text())
    served = first.client.get("/api/v1/log/key")
    assert served.mimetype == "text/plain"
    assert served.get_data(as_text=True) == signer.vkey + "\n"
    assert signer.vkey.startswith(f"{ORIGIN}+")

    again = make_ledger(database_url, log_key_file=str(key_file), log_origin="other.example")
    assert again.client.get("/api/v1/log/key").get_data(as_text=True) == signer.vkey + "\n"


def test_the_worker_batches_checkpoints_while_behind_and_catches_up(
    make_ledger: Callable[..., Ledger], database_url: str
) -> None:
    ledger = make_ledger(database_url, checkpoint_interval=3600)
    campaign_id, _, _ = ledger.open_campaign()
    ledger.auto_worker = False
    for amount in (1, 2, 3):
        ledger.collect(campaign_id, amount)
    appended = [e for _, e in ledger.outbox() if e.type == "ledger.entry_appended"]

    def published() -> list[int]:
        return [
            e.payload["tree_size"]
            for _, e in ledger.outbox()
            if e.type == "ledger.checkpoint_published"
        ]

    # The journal began with a checkpoint of the empty tree, signed when the campaign was heard of.
    assert published() == [0]
    ledger.deliver(appended[0])  # behind, and the last checkpoint is recent: wait
    ledger.deliver(appended[1])
    assert published() == [0]
    ledger.deliver(appended[2])  # caught up: the journal's newest entry gets its checkpoint
    assert published() == [0, 3]
    for amount in (4, 5):
        ledger.collect(campaign_id, amount)
    appended = [e for _, e in ledger.outbox() if e.type == "ledger.entry_appended"]
    ledger.deliver(appended[3])  # behind, and the last checkpoint is recent: wait
    assert published() == [0, 3]
    ledger.deliver(appended[4])  # caught up
    assert published() == [0, 3, 5]
    assert ledger.deliver(appended[4]).status == "duplicate"
