"""The ledger's commands: `fundtrail verify` (offline, trusting nothing), `fundtrail log key` and
`fundtrail export`."""

from __future__ import annotations

import contextlib
import json
import sys
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from services.ledger.verify import Report, verify_consistency, verify_export_file

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
        report = verify_export_file(export, _text(checkpoint), vkey, origin=origin)
    _finish(report)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def verifier() -> None:
    """Fundtrail's verifier: check a campaign's ledger export against its signed checkpoint,
    offline, trusting nothing the server says."""


# The command of the wheel the ledger serves (verifier_wheel.py): `fundtrail verify` there is
# the same command as in the full installation.
verifier.add_command(verify)


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


@click.command("export")
@click.argument("campaign", type=click.UUID)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["csv", "jsonl", "beancount"]),
    required=True,
    help="csv (RFC 4180), jsonl (the log's leaves, verifiable) or beancount (bean-check).",
)
@click.option(
    "--from",
    "start",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only entries dated on or after this day (csv and beancount).",
)
@click.option(
    "--to",
    "end",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only entries dated on or before this day (csv and beancount).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Write to FILE (in full, or not at all) instead of standard output.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Leave out backer account ids and receipt links, as the public HTTP export does.",
)
def export(
    campaign: uuid.UUID,
    format_name: str,
    start: datetime | None,
    end: datetime | None,
    output: Path | None,
    public: bool,
) -> None:
    """Export CAMPAIGN's journal as the ledger's HTTP exports do, from its database.

    \b
      fundtrail export CAMPAIGN --format csv -o books.csv
      fundtrail export CAMPAIGN --format beancount --from 2026-01-01 --to 2026-03-31

    Covers the entries of the latest signed checkpoint. An entry's date is an expense's
    incurred_on, else the UTC day of occurred_at. This is an operator's and auditor's tool: it
    reads the database directly, so by default it writes the auditor's export, with each
    pledge's backer account id and receipt links (under LEDGER_PUBLIC_URL); --public writes
    the export anyone may download. Shows a progress bar when run on a terminal.
    """
    dates = (None if start is None else start.date(), None if end is None else end.date())
    if dates[0] is not None and dates[1] is not None and dates[0] > dates[1]:
        raise click.BadParameter("must not be after --to", param_hint="--from")
    if format_name == "jsonl" and dates != (None, None):
        raise click.UsageError("the jsonl export is the whole log (to verify it): no --from/--to")
    _write_export(campaign, format_name, dates, output, public)


def _write_export(
    campaign_id: uuid.UUID,
    format_name: str,
    dates: tuple[date | None, date | None],
    output: Path | None,
    public: bool,
) -> None:
    # Imported here: `verify` and `log key` must run without the ledger's database wiring.
    from services.ledger.bootstrap import bootstrap
    from services.ledger.domain.errors import NotFound
    from services.ledger.exports.entries import PUBLIC, DateRange
    from services.ledger.exports.export import FORMATS, auditor_audience, prepare_export

    dependencies = bootstrap()
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(dependencies.engine.dispose)
        audience = PUBLIC
        if not public:
            public_url = dependencies.ledger_settings.public_url
            audience = auditor_audience(public_url, campaign_id)
        with dependencies.uow_factory() as uow:
            try:
                prepared = prepare_export(
                    uow, campaign_id, FORMATS[format_name], DateRange(*dates), audience
                )
            except NotFound as exc:
                raise click.ClickException(str(exc)) from None
        progress = _progress(cleanup, prepared.tree_size, output)
        chunks = prepared.chunks(dependencies.engine, progress)
        if output is None:
            with click.open_file("-", "wb") as stdout:
                for chunk in chunks:
                    stdout.write(chunk)
            return
        # Written beside the target and renamed when complete: a failed export leaves no
        # half a file where the whole one is expected.
        partial = output.with_name(output.name + ".part")
        try:
            with partial.open("wb") as file:
                for chunk in chunks:
                    file.write(chunk)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)


def _progress(
    cleanup: contextlib.ExitStack, total: int, output: Path | None
) -> Callable[[int], None] | None:
    """A rich progress bar on standard error when a person watches it: stderr is a terminal,
    and the export itself is not being printed on that terminal."""
    if not sys.stderr.isatty() or (output is None and sys.stdout.isatty()):
        return None
    from rich.console import Console
    from rich.progress import Progress

    bar = cleanup.enter_context(Progress(console=Console(stderr=True)))
    task = bar.add_task("Exporting entries", total=total)

    def advance(done: int) -> None:
        bar.update(task, completed=done)

    return advance
