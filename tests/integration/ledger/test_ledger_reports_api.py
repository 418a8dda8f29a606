"""Publishing public spending reports over HTTP, the report pages, and automatic publishing.

Reports are rendered for real (WeasyPrint in a child process): each render takes a moment, so
the tests share their renders where they can.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from services.ledger.report_publishing import Publication
from shared.events import Envelope, new_envelope
from tests.factories import bearer, set_clock
from tests.integration.ledger.ledger_support import Ledger, campaign_event, post_expense

API = "/api/v1"
REFUSALS = (sa.exc.IntegrityError, sa.exc.InternalError, sa.exc.OperationalError)


def publish_due(ledger: Ledger) -> list[Publication]:
    """One round of the worker's report job, as its thread runs it."""
    return ledger.app.extensions["fundtrail"].report_publisher().publish_due()


def reports_announced(ledger: Ledger) -> list[Envelope]:
    return [envelope for _, envelope in ledger.outbox() if envelope.type == "report.published"]


def books(ledger: Ledger) -> tuple[uuid.UUID, str]:
    """A campaign with two backers, an expense and a checkpoint covering them."""
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    ledger.collect(campaign_id, 7_000)
    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    return campaign_id, token


def settled(
    campaign_id: uuid.UUID, creator_id: uuid.UUID, status: str, backers: int, pledged: int
) -> Envelope:
    made = campaign_event(f"campaign.{status}", campaign_id, creator_id, status=status)
    payload = {**made.payload, "backers_count": backers, "pledged_amount": pledged}
    return new_envelope(made.type, payload, producer="pledges", campaign_id=campaign_id)


def test_the_creator_publishes_and_anyone_reads_the_report(ledger: Ledger) -> None:
    campaign_id, token = books(ledger)
    client = ledger.client
    reports = f"{API}/campaigns/{campaign_id}/reports"

    first = client.post(reports, headers=bearer(token))
    assert first.status_code == 201, first.get_data(as_text=True)
    report = first.json
    checkpoint = client.get(f"{API}/campaigns/{campaign_id}/checkpoint")
    assert report["tree_size"] == 3 == int(checkpoint.headers["Fundtrail-Tree-Size"])
    base = "http://127.0.0.1:8002"
    pdf_path = f"/campaigns/{campaign_id}/reports/{report['id']}.pdf"
    html_path = f"/campaigns/{campaign_id}/reports/{report['id']}.html"
    assert report["url"] == base + pdf_path
    assert report["links"] == {"pdf": base + pdf_path, "html": base + html_path}
    assert report["checkpoint"] == f"{base}{API}/campaigns/{campaign_id}/checkpoints/3"

    # The PDF is what its SHA-256 says, served inline and tagged with it; so is the HTML.
    pdf = client.get(pdf_path)
    assert pdf.status_code == 200 and pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.data).hexdigest() == report["sha256"]
    assert pdf.headers["ETag"] == f'"{report["sha256"]}"'
    assert pdf.headers["Content-Disposition"] == (
        f'inline; filename="campaign-{campaign_id}-report-3.pdf"'
    )
    assert client.get(pdf_path, headers={"If-None-Match": pdf.headers["ETag"]}).status_code == 304
    page = client.get(html_path)
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    assert "Board game" in page.get_data(as_text=True)
    assert "script-src" not in page.headers["Content-Security-Policy"]

    # Asked again before the books move on: the same report, not a second one.
    again = client.post(reports, headers=bearer(token))
    assert again.status_code == 200 and again.json == report

    # The books move on: a second report, listed first.
    assert post_expense(ledger, campaign_id, token, amount="500").status_code == 201
    second = client.post(reports, headers=bearer(token))
    assert second.status_code == 201 and second.json["tree_size"] == 4
    listed = client.get(reports).json["reports"]
    assert [r["id"] for r in listed] == [second.json["id"], report["id"]]
    assert listed[1] == {k: report[k] for k in listed[1]}
    assert set(listed[1]) == {
        *("id", "tree_size", "root_hash", "sha256", "sha256_by_language", "published_at", "url")
    }
    assert client.get(f"{reports}/{report['id']}").json == report

    # Each is announced with the checkpoint it was built from and its totals (the balance's).
    announced = reports_announced(ledger)
    assert [e.payload["report_id"] for e in announced] == [
        uuid.UUID(report["id"]),
        uuid.UUID(second.json["id"]),
    ]
    event = announced[-1].payload
    balance = client.get(f"{API}/campaigns/{campaign_id}/balance").json
    totals = ("currency", "raised", "refunded", "spent", "available", "shortfall")
    assert {k: event[k] for k in totals} == {k: balance[k] for k in totals}
    assert (event["raised"], event["spent"], event["backers_count"]) == (12_000, 2_500, 2)
    note = client.get(f"{API}/campaigns/{campaign_id}/checkpoints/4").get_data(as_text=True)
    assert base64.b64encode(base64.b64decode(note.splitlines()[2])).decode() == event["root_hash"]
    assert event["root_hash"] == second.json["root_hash"]
    assert (event["tree_size"], event["sha256"], event["url"]) == (
        4,
        second.json["sha256"],
        second.json["url"],
    )


def test_a_published_report_is_immutable_in_the_database(ledger: Ledger) -> None:
    campaign_id, token = books(ledger)
    assert ledger.client.post(f"{API}/campaigns/{campaign_id}/reports", headers=bearer(token))
    before = ledger.counts()
    for sql in (
        "UPDATE reports SET sha256 = 'tampered'",
        "UPDATE reports SET pdf = :value",
        "DELETE FROM reports",
        "UPDATE report_languages SET pdf = :value",
        "DELETE FROM report_languages",
    ):
        with pytest.raises(REFUSALS) as refused, ledger.engine.begin() as connection:
            connection.execute(sa.text(sql), {"value": b"%PDF-forged"})
        assert "refused" in str(refused.value)
    assert ledger.counts() == before


def test_only_the_creator_publishes_and_only_public_campaigns(ledger: Ledger) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    draft_id, _, draft_token = ledger.open_campaign(status="draft")
    before = ledger.counts()
    client = ledger.client

    def publish(target: uuid.UUID, token: str | None) -> Any:
        headers = bearer(token) if token else {}
        return client.post(f"{API}/campaigns/{target}/reports", headers=headers)

    someone_else = publish(campaign_id, ledger.token("creator"))
    assert someone_else.status_code == 403
    assert someone_else.content_type == "application/problem+json"
    assert "creator" in someone_else.json["detail"]
    assert publish(campaign_id, ledger.token("backer")).status_code == 403
    assert publish(campaign_id, None).status_code == 401
    for target, token in ((draft_id, draft_token), (uuid.uuid4(), ledger.token("creator"))):
        missing = publish(target, token)
        assert missing.status_code == 404 and missing.json["status"] == 404
        assert client.get(f"{API}/campaigns/{target}/reports").status_code == 404
    assert client.get(f"{API}/campaigns/{campaign_id}/reports/{uuid.uuid4()}").status_code == 404
    assert ledger.counts() == before


def test_pages_serve_a_fresh_report_then_the_latest_published_and_never_write(
    ledger: Ledger,
) -> None:
    campaign_id, token = books(ledger)
    client = ledger.client
    before = ledger.counts()

    fresh_html = client.get(f"/campaigns/{campaign_id}/report")
    assert fresh_html.status_code == 200
    assert fresh_html.content_type == "text/html; charset=utf-8"
    assert "Board game" in fresh_html.get_data(as_text=True)
    fresh_pdf = client.get(f"/campaigns/{campaign_id}/report.pdf")
    assert fresh_pdf.status_code == 200 and fresh_pdf.data.startswith(b"%PDF-")
    assert fresh_pdf.headers["Cache-Control"] == "no-cache"
    # Nothing was stored, signed or announced by reading.
    assert ledger.counts() == before
    assert client.get(f"{API}/campaigns/{campaign_id}/reports").json == {"reports": []}

    published = client.post(f"{API}/campaigns/{campaign_id}/reports", headers=bearer(token)).json
    after_publishing = ledger.counts()
    latest_pdf = client.get(f"/campaigns/{campaign_id}/report.pdf")
    assert hashlib.sha256(latest_pdf.data).hexdigest() == published["sha256"]
    assert latest_pdf.headers["ETag"] == f'"{published["sha256"]}"'
    stored_html = client.get(f"/campaigns/{campaign_id}/reports/{published['id']}.html")
    assert client.get(f"/campaigns/{campaign_id}/report").data == stored_html.data
    assert ledger.counts() == after_publishing


@pytest.mark.parametrize(
    "path",
    [
        "/campaigns/{unknown}/report",
        "/campaigns/{unknown}/report.pdf",
        "/campaigns/{draft}/report",
        "/campaigns/not-a-uuid/report.pdf",
        "/campaigns/{campaign}/reports/{unknown}.pdf",
        "/campaigns/{campaign}/reports/{unknown}.html",
        "/campaigns/{campaign}/reports/not-a-uuid.pdf",
        "/campaigns/{campaign}/reports/{unknown}.exe",
    ],
)
def test_a_missing_report_page_is_a_page_for_people(ledger: Ledger, path: str) -> None:
    campaign_id, _, _ = ledger.open_campaign()
    draft_id, _, _ = ledger.open_campaign(status="draft")
    url = path.format(unknown=uuid.uuid4(), draft=draft_id, campaign=campaign_id)
    before = ledger.counts()
    response = ledger.client.get(url)
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    assert "<h1>Not found</h1>" in response.get_data(as_text=True)
    assert ledger.counts() == before


def test_the_worker_publishes_once_the_books_hold_the_settlement(ledger: Ledger) -> None:
    campaign_id, creator_id, _ = ledger.open_campaign()
    assert ledger.deliver(settled(campaign_id, creator_id, "succeeded", 2, 9_000)).status == (
        "handled"
    )
    assert publish_due(ledger) == []  # the collections are still on their way
    ledger.collect(campaign_id, 4_000)
    assert publish_due(ledger) == []
    ledger.collect(campaign_id, 5_000)

    [publication] = publish_due(ledger)
    assert publication.created and publication.report.tree_size == 2
    [announced] = reports_announced(ledger)
    assert announced.payload["report_id"] == publication.report.id
    assert (announced.payload["raised"], announced.payload["backers_count"]) == (9_000, 2)
    # The worker signed the checkpoint the report stands on.
    checkpoint = ledger.client.get(f"{API}/campaigns/{campaign_id}/checkpoints/2")
    assert checkpoint.status_code == 200
    # Once only: the settlement is met.
    assert publish_due(ledger) == []
    listed = ledger.client.get(f"{API}/campaigns/{campaign_id}/reports").json["reports"]
    assert [r["id"] for r in listed] == [str(publication.report.id)]


def test_a_failed_campaign_gets_its_report_at_once(ledger: Ledger) -> None:
    campaign_id, creator_id, _ = ledger.open_campaign()
    ledger.deliver(settled(campaign_id, creator_id, "failed", 3, 6_000))
    [publication] = publish_due(ledger)
    assert publication.report.tree_size == 0
    assert reports_announced(ledger)[0].payload["raised"] == 0
    assert publish_due(ledger) == []


def test_each_month_with_activity_gets_one_report_of_its_books_at_its_end(
    ledger: Ledger,
) -> None:
    def at(moment: datetime) -> None:
        set_clock(ledger.app, lambda: moment)

    at(datetime(2026, 9, 30, 23, tzinfo=UTC))
    campaign_id, _, _ = ledger.open_campaign()  # no entry: September owes nothing
    at(datetime(2026, 10, 3, tzinfo=UTC))
    ledger.collect(campaign_id, 1_000)
    ledger.collect(campaign_id, 2_000)
    assert publish_due(ledger) == []  # October is not over
    at(datetime(2026, 11, 1, 0, 0, 1, tzinfo=UTC))
    ledger.collect(campaign_id, 4_000)  # November's, so not in October's report

    [october] = publish_due(ledger)
    assert october.report.tree_size == 2
    assert reports_announced(ledger)[0].payload["raised"] == 3_000
    at(datetime(2026, 11, 20, tzinfo=UTC))
    assert publish_due(ledger) == []  # once per month, however often the job runs
    at(datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC))
    [november] = publish_due(ledger)
    assert november.report.tree_size == 3
    assert publish_due(ledger) == []
    listed = ledger.client.get(f"{API}/campaigns/{campaign_id}/reports").json["reports"]
    assert [r["tree_size"] for r in listed] == [3, 2]
    assert len(reports_announced(ledger)) == 2
