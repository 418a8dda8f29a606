"""The ledger's commands: `fundtrail verify` (offline, trusting nothing) and `fundtrail log key`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from services.ledger.verify import Report, verify_consistency, verify_export

#: Exit status when a check fails (2 is click's, for wrong usage).
NOT_VERIFIED = 1

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.argument("export", required=False, type=_FILE)
@click.option("--checkpoint", type=_FILE, help="The signed checkpoint the export should match.")
@click.option(
    "--key",
    "key_file",
    type=_FILE,
    required=True,
    help="The log's verifier key (as GET /api/v1/log/key serves it).",
)
@click.option(
    "--origin",
    default=None,
    help="Also require the checkpoint to be for this log, e.g. "
    "fundtrail.local/campaigns/<campaign id>.",
)
@click.option(
    "--consistency",
    nargs=2,
    type=_FILE,
    default=None,
    metavar="OLD NEW",
    help="Check that checkpoint NEW extends checkpoint OLD (with --proof).",
)
@click.option(
    "--proof",
    "proof_file",
    type=_FILE,
    default=None,
    help="The consistency proof (JSON from GET .../proof/consistency).",
)
def verify(
    export: Path | None,
    checkpoint: Path | None,
    key_file: Path,
    origin: str | None,
    consistency: tuple[Path, Path] | None,
    proof_file: Path | None,
) -> None:
    """Verify a ledger export, or that one checkpoint extends another, fully offline.

    \b
      fundtrail verify EXPORT.jsonl --checkpoint FILE --key KEYFILE
      fundtrail verify --consistency OLD NEW --proof FILE --key KEYFILE

    Recomputes every leaf hash and the Merkle root from the export's lines, checks the
    checkpoint's signature against the key, that seq runs without gaps and that each entry's
    postings balance; or checks a consistency proof between two signed checkpoints. Prints
    each check; exits 0 only when every one passed, 1 when any failed.
    """
    vkey = _text(key_file).strip()
    if consistency is not None:
        if export is not None or checkpoint is not None:
            raise click.UsageError("--consistency takes no EXPORT and no --checkpoint")
        if proof_file is None:
            raise click.UsageError("--consistency needs --proof FILE")
        old, new = consistency
        report = verify_consistency(_text(old), _text(new), _json(proof_file), vkey)
    else:
        if export is None or checkpoint is None:
            raise click.UsageError("give EXPORT and --checkpoint FILE, or --consistency OLD NEW")
        if proof_file is not None:
            raise click.UsageError("--proof goes with --consistency")
        with export.open("rb") as lines:
            report = verify_export(lines, _text(checkpoint), vkey, origin=origin)
    _finish(report)


def _finish(report: Report) -> None:
    click.echo(report.render(), nl=False)
    if not report.ok:
        raise SystemExit(NOT_VERIFIED)


def _text(path: Path) -> str:
    # Bytes as they are: a checkpoint's exact newlines are part of what was signed.
    return path.read_bytes().decode("utf-8", errors="replace")


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None  # reported by the verifier as "proof is not a JSON object"


@click.group()
def log() -> None:
    """The ledger's verifiable log."""


@log.command("key")
def key() -> None:
    """Print the log's verifier key (creating the signing key on first run)."""
    from services.ledger.settings import LedgerSettings
    from services.ledger.signing import LogSigning
    from shared.config import Settings

    # Only the key: the rest of the ledger's wiring (a database, the token key) is not needed.
    ledger_settings = LedgerSettings.load(Settings.load("ledger"))
    click.echo(LogSigning.from_settings(ledger_settings).signer.vkey)


def add_ledger_commands(group: click.Group) -> None:
    """Mount `verify` and `log` on the `fundtrail` command."""
    group.add_command(verify)
    group.add_command(log)
