"""Anonymous readers of a report not yet published: one rendering per (campaign, tree size), kept
and served again, and a cap on renderings at once beyond which the answer is 503 with
Retry-After.

The renderer is the real one with its child process stood in for (WeasyPrint would make these
tests slow, not truer): the stand-in counts the PDFs made and can be held mid-render.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from services.ledger.reports.rendering import ReportRenderer, ReportSource
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, post_expense

READERS = 20


class CountingRenderer(ReportRenderer):
    """Counts the PDFs made; each takes `seconds`, or until `release` is set when given."""

    def __init__(self, seconds: float = 0.3, **bounds: Any) -> None:
        super().__init__(
            **{"timeout": 30.0, "memory_limit": 2**30, "max_table_rows": 1000, **bounds}
        )
        self.seconds = seconds
        self.children = 0
        self.pages = 0
        self.started = threading.Event()
        self.release: threading.Event | None = None
        self._count = threading.Lock()

    def render_html(self, source: ReportSource) -> str:
        with self._count:
            self.pages += 1
        return super().render_html(source)

    def _run_child(self, jobs: Sequence[Path]) -> None:
        with self._count:
            self.children += 1
        self.started.set()
        if self.release is not None:
            assert self.release.wait(10)
        else:
            time.sleep(self.seconds)
        for job in jobs:
            html = (job / "report.html").read_bytes()
            (job / "report.pdf").write_bytes(b"%PDF-1.7 stand-in " + hashlib.sha256(html).digest())


def use(ledger: Ledger, renderer: ReportRenderer) -> None:
    dependencies = ledger.app.extensions["fundtrail"]
    ledger.app.extensions["fundtrail"] = dataclasses.replace(dependencies, report_renderer=renderer)


def books(ledger: Ledger) -> uuid.UUID:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    return campaign_id


def get_pdf(ledger: Ledger, campaign_id: uuid.UUID) -> Any:
    # A plain client: the stand-in worker of `ledger.client` has nothing to do for a GET.
    return ledger.app.test_client().get(f"/campaigns/{campaign_id}/report.pdf")


def assert_busy(response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 503 and response.json["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_twenty_concurrent_readers_cause_one_rendering(ledger: Ledger) -> None:
    campaign_id = books(ledger)
    renderer = CountingRenderer(seconds=0.5)
    use(ledger, renderer)
    before = ledger.counts()
    start = threading.Barrier(READERS)
    answers: list[Any] = [None] * READERS

    def read(index: int) -> None:
        start.wait()
        answers[index] = get_pdf(ledger, campaign_id)

    readers = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(30)

    assert renderer.children == 1
    served = [answer for answer in answers if answer.status_code == 200]
    for answer in answers:
        if answer.status_code != 200:
            assert_busy(answer)
    assert {answer.data for answer in served} <= {served[0].data} if served else True
    # Once made, every reader gets that very PDF, and nothing is rendered again.
    again = [get_pdf(ledger, campaign_id) for _ in range(3)]
    assert {answer.status_code for answer in again} == {200}
    assert {answer.data for answer in again + served} == {again[0].data}
    assert again[0].data.startswith(b"%PDF-")
    assert again[0].headers["Cache-Control"] == "no-cache"
    assert renderer.children == 1
    # Kept on disk beside the ledger's other files, never in its database.
    assert ledger.counts() == before


def test_the_kept_pdf_follows_the_books(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    renderer = CountingRenderer(seconds=0)
    use(ledger, renderer)
    first = get_pdf(ledger, campaign_id)
    assert get_pdf(ledger, campaign_id).data == first.data and renderer.children == 1

    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    second = get_pdf(ledger, campaign_id)

    assert second.status_code == 200 and second.data != first.data
    assert renderer.children == 2
    assert get_pdf(ledger, campaign_id).data == second.data and renderer.children == 2
    # Once published, the published report is served and the kept one is not needed.
    published = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/reports", headers=bearer(token)
    )
    assert published.status_code == 201
    latest = get_pdf(ledger, campaign_id)
    assert hashlib.sha256(latest.data).hexdigest() == published.json["sha256"]


def test_renderings_past_the_cap_are_refused_with_retry_after(
    make_ledger: Any, database_url: str
) -> None:
    ledger = make_ledger(database_url, report_max_renders=1)
    held, other = books(ledger), books(ledger)
    settings = ledger.app.extensions["fundtrail"].ledger_settings
    renderer = CountingRenderer(max_renders=settings.report_max_renders)
    renderer.release = threading.Event()
    use(ledger, renderer)
    before = ledger.counts()
    first: list[Any] = []
    reader = threading.Thread(target=lambda: first.append(get_pdf(ledger, held)))
    reader.start()
    try:
        assert renderer.started.wait(10)
        # Another campaign's report would need a second rendering at once: refused.
        assert_busy(get_pdf(ledger, other))
        # The same report while it is being made: the reader is told to come back.
        assert_busy(get_pdf(ledger, held))
        # A browser gets the same answer as a page for people.
        page = ledger.app.test_client().get(
            f"/campaigns/{held}/report.pdf",
            headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"},
        )
        assert page.status_code == 503 and page.content_type == "text/html; charset=utf-8"
        assert int(page.headers["Retry-After"]) > 0
        assert "being prepared" in page.get_data(as_text=True)
    finally:
        renderer.release.set()
        reader.join(30)
    assert first[0].status_code == 200
    assert get_pdf(ledger, other).status_code == 200
    assert renderer.children == 2
    assert ledger.counts() == before


def test_the_html_report_is_made_once_per_checkpoint_too(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    renderer = CountingRenderer()
    use(ledger, renderer)
    before = ledger.counts()

    pages = [ledger.app.test_client().get(f"/campaigns/{campaign_id}/report") for _ in range(5)]

    assert {page.status_code for page in pages} == {200}
    assert len({page.data for page in pages}) == 1 and b"<html" in pages[0].data
    assert renderer.pages == 1 and renderer.children == 0
    assert ledger.counts() == before
    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    changed = ledger.app.test_client().get(f"/campaigns/{campaign_id}/report")
    assert changed.status_code == 200 and changed.data != pages[0].data
    assert renderer.pages == 2
