"""`fundtrail verify` on files the API wrote, through click's runner and as
a real process: a true export verifies, and each kind of tampering is caught and named."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from services.cli import main
from services.ledger.domain.signed_note import Checkpoint, Signer, generate_signer, sign_note
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, jpeg_bytes, pdf_bytes, post_expense


@dataclass
class Files:
    """What an auditor downloaded: export, checkpoint, key; an earlier checkpoint and a proof."""

    folder: Path
    export: Path
    checkpoint: Path
    key: Path
    old_checkpoint: Path
    proof: Path
    campaign_id: uuid.UUID
    signer: Signer

    def lines(self) -> list[bytes]:
        return self.export.read_bytes().splitlines(keepends=True)

    def write(self, name: str, content: bytes | str) -> Path:
        path = self.folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path


@pytest.fixture
def files(ledger: Ledger, tmp_path: Path) -> Files:
    campaign_id, _, token = ledger.open_campaign()
    for amount in (4_000, 6_000, 2_500):
        ledger.collect(campaign_id, amount)
    base = f"/api/v1/campaigns/{campaign_id}"
    old = ledger.client.get(f"{base}/checkpoint")
    assert (
        post_expense(
            ledger, campaign_id, token, amount="3000", receipt=pdf_bytes(), filename="a.pdf"
        ).status_code
        == 201
    )
    seq = post_expense(
        ledger,
        campaign_id,
        token,
        amount="1200",
        category="art",
        receipt=jpeg_bytes(),
        filename="b.jpg",
    ).json["seq"]
    assert (
        ledger.client.post(
            f"{base}/entries/{seq}/reverse", json={"reason": "duplicate"}, headers=bearer(token)
        ).status_code
        == 201
    )
    new = ledger.client.get(f"{base}/checkpoint")
    proof = ledger.client.get(
        f"{base}/proof/consistency?from={old.headers['Fundtrail-Tree-Size']}"
        f"&to={new.headers['Fundtrail-Tree-Size']}"
    )
    folder = tmp_path / "audit"
    folder.mkdir()
    made = Files(
        folder,
        folder / "export.jsonl",
        folder / "checkpoint.txt",
        folder / "key.txt",
        folder / "old.txt",
        folder / "proof.json",
        campaign_id,
        Signer.from_skey((ledger.var_dir / "keys" / "log-signing.key").read_text()),
    )
    made.export.write_bytes(ledger.client.get(f"{base}/export.jsonl").data)
    made.checkpoint.write_bytes(new.data)
    made.key.write_bytes(ledger.client.get("/api/v1/log/key").data)
    made.old_checkpoint.write_bytes(old.data)
    made.proof.write_bytes(proof.data)
    return made


def verify(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["verify", *map(str, args)])
    return result.exit_code, result.output


def verify_export(
    files: Files,
    export: Path | None = None,
    checkpoint: Path | None = None,
    key: Path | None = None,
) -> tuple[int, str]:
    return verify(
        export or files.export,
        "--checkpoint",
        checkpoint or files.checkpoint,
        "--key",
        key or files.key,
    )


def test_an_untouched_export_verifies(files: Files) -> None:
    code, output = verify_export(files)
    assert code == 0, output
    assert output.endswith("verified\n") and "FAIL" not in output
    for check in ("signed by the verifier key", "Merkle root", "no gap", "sum to zero"):
        assert check in output
    code, output = verify(
        files.export,
        "--checkpoint",
        files.checkpoint,
        "--key",
        files.key,
        "--origin",
        f"ledger.test/campaigns/{files.campaign_id}",
    )
    assert code == 0, output
    code, output = verify(
        files.export,
        "--checkpoint",
        files.checkpoint,
        "--key",
        files.key,
        "--origin",
        f"ledger.test/campaigns/{uuid.uuid4()}",
    )
    assert code == 1 and "FAIL checkpoint origin" in output


def test_a_changed_field_in_one_entry_is_caught(files: Files) -> None:
    lines = files.lines()
    lines[3] = lines[3].replace(b'"vendor":"PrintCo"', b'"vendor":"PrintCo Ltd"')
    assert lines[3] != files.lines()[3]
    code, output = verify_export(files, export=files.write("changed.jsonl", b"".join(lines)))
    assert code == 1
    assert "FAIL the Merkle root of the lines equals the checkpoint's root hash" in output
    assert "root: recomputed root" in output


def test_a_changed_amount_that_unbalances_the_postings_names_the_entry(files: Files) -> None:
    lines = files.lines()
    entry = json.loads(lines[1])
    entry["postings"][0]["amount"] += 1
    lines[1] = json.dumps(entry, separators=(",", ":"), sort_keys=True).encode() + b"\n"
    code, output = verify_export(files, export=files.write("unbalanced.jsonl", b"".join(lines)))
    assert code == 1
    assert "line 2, seq 1: postings: postings in EUR sum to 1, not 0" in output
    assert "FAIL the Merkle root" in output


def test_a_dropped_entry_is_caught(files: Files) -> None:
    lines = files.lines()
    del lines[2]
    code, output = verify_export(files, export=files.write("dropped.jsonl", b"".join(lines)))
    assert code == 1
    assert "line 3, seq 3: seq: expected seq 2, found 3" in output
    assert f"export has {len(lines)} entries, checkpoint says {len(lines) + 1}" in output


def test_two_reordered_entries_are_caught(files: Files) -> None:
    lines = files.lines()
    lines[1], lines[4] = lines[4], lines[1]
    code, output = verify_export(files, export=files.write("reordered.jsonl", b"".join(lines)))
    assert code == 1
    assert "line 2, seq 4: seq: expected seq 1, found 4" in output
    assert "FAIL the Merkle root" in output


def test_a_swapped_root_in_the_checkpoint_is_caught(files: Files) -> None:
    note = files.checkpoint.read_text()
    body = Checkpoint.from_text(note[: note.index("\n\n") + 1])
    forged_root = Checkpoint(body.origin, body.tree_size, bytes(32)).to_text()
    forged = forged_root + note[note.index("\n\n") + 1 :]
    code, output = verify_export(files, checkpoint=files.write("swapped.txt", forged))
    assert code == 1
    assert "FAIL the checkpoint is signed by the verifier key" in output
    assert "does not verify" in output


def test_a_checkpoint_signed_with_another_key_is_caught(files: Files) -> None:
    impostor = generate_signer(files.signer.name)
    body = files.checkpoint.read_text().split("\n\n")[0] + "\n"
    forged = files.write("impostor.txt", sign_note(body, impostor))
    code, output = verify_export(files, checkpoint=forged)
    assert code == 1
    assert "FAIL the checkpoint is signed by the verifier key" in output
    assert "no signature by a trusted key" in output
    # And the other way round: the true checkpoint against someone else's key.
    code, output = verify_export(files, key=files.write("other.key", impostor.vkey + "\n"))
    assert code == 1 and "no signature by a trusted key" in output


def test_a_newer_checkpoint_extends_the_older_one(files: Files) -> None:
    code, output = verify(
        "--consistency",
        files.old_checkpoint,
        files.checkpoint,
        "--proof",
        files.proof,
        "--key",
        files.key,
    )
    assert code == 0, output
    assert "the new tree extends the old one" in output

    proof = json.loads(files.proof.read_text())
    proof["hashes"][0] = proof["hashes"][-1] if len(proof["hashes"]) > 1 else "A" * 43 + "="
    code, output = verify(
        "--consistency",
        files.old_checkpoint,
        files.checkpoint,
        "--proof",
        files.write("bad-proof.json", json.dumps(proof)),
        "--key",
        files.key,
    )
    assert code == 1 and "FAIL the new tree extends the old one" in output

    # A history rewritten after the old checkpoint: signed with the real key, yet no proof
    # can join it to the old checkpoint.
    text = files.checkpoint.read_text().split("\n\n")[0] + "\n"
    body = Checkpoint.from_text(text)
    fork = Checkpoint(body.origin, body.tree_size, bytes(range(32))).to_text()
    code, output = verify(
        "--consistency",
        files.old_checkpoint,
        files.write("fork.txt", sign_note(fork, files.signer)),
        "--proof",
        files.proof,
        "--key",
        files.key,
    )
    assert code == 1 and "does not lead to the new root" in output


def test_wrong_usage_exits_2(files: Files) -> None:
    assert verify(files.export, "--key", files.key)[0] == 2
    assert (
        verify("--consistency", files.old_checkpoint, files.checkpoint, "--key", files.key)[0] == 2
    )
    assert verify(files.export, "--checkpoint", files.checkpoint)[0] == 2


def test_the_installed_command_verifies_and_refuses_as_a_real_process(files: Files) -> None:
    command = [sys.executable, "-m", "services", "verify"]
    ok = subprocess.run(
        [
            *command,
            str(files.export),
            "--checkpoint",
            str(files.checkpoint),
            "--key",
            str(files.key),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.endswith("verified\n")
    lines = files.lines()
    del lines[0]
    tampered = files.write("tampered.jsonl", b"".join(lines))
    bad = subprocess.run(
        [*command, str(tampered), "--checkpoint", str(files.checkpoint), "--key", str(files.key)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert "expected seq 0, found 1" in bad.stdout and "NOT verified" in bad.stdout
    consistent = subprocess.run(
        [
            *command,
            "--consistency",
            str(files.old_checkpoint),
            str(files.checkpoint),
            "--proof",
            str(files.proof),
            "--key",
            str(files.key),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert consistent.returncode == 0, consistent.stdout + consistent.stderr
