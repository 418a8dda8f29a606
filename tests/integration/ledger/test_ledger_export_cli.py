"""`fundtrail export`: the same bytes as the HTTP exports, and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from services.cli import main as fundtrail_cli
from tests.integration.ledger.ledger_support import ORIGIN, Ledger
from tests.integration.ledger.test_ledger_exports import get, keep_books


def run_export(ledger: Ledger, tmp_path: Path, *args: str) -> Any:
    settings = ledger.app.extensions["fundtrail"].settings
    env = {
        "LEDGER_DATABASE_URL": settings.database_url,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "FUNDTRAIL_LOG_ORIGIN": ORIGIN,
        "FUNDTRAIL_LOG_FORMAT": "json",
    }
    return CliRunner().invoke(fundtrail_cli, ["export", *args], env=env)


@pytest.mark.parametrize("export_format", ["csv", "beancount", "jsonl"])
def test_fundtrail_export_writes_the_same_bytes_as_the_http_export(
    ledger: Ledger, tmp_path: Path, export_format: str
) -> None:
    books = keep_books(ledger)
    campaign = str(books.campaign_id)
    target = tmp_path / f"out.{export_format}"

    audited = run_export(ledger, tmp_path, campaign, "--format", export_format, "-o", str(target))
    public = run_export(ledger, tmp_path, campaign, "--format", export_format, "--public")

    assert audited.exit_code == 0, audited.output
    assert public.exit_code == 0, public.output
    auditor = ledger.token("auditor")
    assert (
        target.read_bytes()
        == get(ledger, books.path(f"export.{export_format}"), auditor).get_data()
    )
    assert public.stdout_bytes == get(ledger, books.path(f"export.{export_format}")).get_data()
    assert not (tmp_path / f"out.{export_format}.part").exists()
    if export_format != "jsonl":
        dated = run_export(
            ledger,
            tmp_path,
            campaign,
            "--format",
            export_format,
            "--public",
            "--from",
            "2020-01-05",
            "--to",
            "2020-02-10",
        )
        query = f"export.{export_format}?from=2020-01-05&to=2020-02-10"
        assert dated.stdout_bytes == get(ledger, books.path(query)).get_data()


def test_fundtrail_export_refuses_what_it_cannot_do(ledger: Ledger, tmp_path: Path) -> None:
    books = keep_books(ledger)
    draft, _, _ = ledger.open_campaign(status="draft")
    campaign = str(books.campaign_id)

    backwards = run_export(
        ledger, tmp_path, campaign, "--format", "csv", "--from", "2020-02-01", "--to", "2020-01-01"
    )
    dated_jsonl = run_export(
        ledger, tmp_path, campaign, "--format", "jsonl", "--from", "2020-01-01"
    )
    unknown = run_export(
        ledger, tmp_path, str(draft), "--format", "csv", "-o", str(tmp_path / "x.csv")
    )
    helped = run_export(ledger, tmp_path, "--help")

    assert backwards.exit_code == 2 and "--from" in backwards.output
    assert dated_jsonl.exit_code == 2 and "jsonl" in dated_jsonl.output
    assert unknown.exit_code == 1 and str(draft) in unknown.output
    assert not (tmp_path / "x.csv").exists()
    assert helped.exit_code == 0
    assert "--format" in helped.output and "backer" in helped.output
