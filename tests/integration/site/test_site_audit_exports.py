"""The exports that name backers, for a signed-in auditor, from the audit page (issue 18): the
ledger's CSV and beancount exports through the site with the auditor's own token, passed on as
read, under a name a person can file, with receipt links to the site; a backer, a creator or
nobody signed in never gets backer ids; a bad day is said beside its field."""

from __future__ import annotations

import csv
import hashlib
import html
import io
from datetime import UTC, datetime, timedelta

from tests.factories import bearer
from tests.integration.ledger.test_ledger_receipt_copies import photo_with_gps
from tests.integration.site.site_support import Stack
from tests.integration.site.test_site_receipt_copies import _expense


def _books(stack: Stack) -> tuple[str, str, str, str]:
    """A funded "Cider press" with an expense and its receipt, covered by a checkpoint: its
    id, the backer's account id and token, and the receipt's SHA-256."""
    backer_id, backer = stack.account("backer")
    campaign_id, creator, _ = stack.funded_campaign(backer=backer)
    receipt = photo_with_gps()
    _expense(creator, campaign_id, receipt)
    stack.relay()  # the ledger's worker signs a checkpoint covering the expense
    return campaign_id, str(backer_id), backer, hashlib.sha256(receipt).hexdigest()


def test_an_auditor_downloads_the_exports_naming_backers_from_the_audit_page(
    stack: Stack,
) -> None:
    campaign_id, backer_id, _, sha = _books(stack)
    _, auditor_token = stack.account("auditor")
    auditor = stack.site_client(auditor_token)
    page = html.unescape(auditor.get(f"/campaigns/{campaign_id}/audit").get_data(as_text=True))
    assert "Exports for auditors" in page
    assert f'action="/campaigns/{campaign_id}/audit/export.csv"' in page
    assert f'formaction="/campaigns/{campaign_id}/audit/export.beancount"' in page

    got = auditor.get(f"/campaigns/{campaign_id}/audit/export.csv?from=&to=")
    assert got.status_code == 200, got.get_data(as_text=True)
    assert got.is_streamed  # passed on as the ledger writes it, never held whole
    assert got.headers["Content-Disposition"] == 'attachment; filename="cider-press-audit.csv"'
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert [r["backer_id"] for r in rows if r["kind"] == "contribution"] == [backer_id]
    # The receipt link is the site's own route, which needs no header; and it works.
    site_link = f"http://127.0.0.1:8000/campaigns/{campaign_id}/receipts/{sha}/original"
    assert [r["receipt_url"] for r in rows if r["kind"] == "expense"] == [site_link]
    assert "/api/v1/" not in got.get_data(as_text=True)
    original = auditor.get(site_link.removeprefix("http://127.0.0.1:8000"))
    assert original.status_code == 200 and original.data == photo_with_gps()

    journal = auditor.get(
        f"/campaigns/{campaign_id}/audit/export.beancount?from=2020-01-01&to=2199-12-31"
    )
    assert journal.status_code == 200
    assert journal.headers["Content-Disposition"] == (
        'attachment; filename="cider-press-audit-from-2020-01-01-to-2199-12-31.beancount"'
    )
    text = journal.get_data(as_text=True)
    assert f'backer_id: "{backer_id}"' in text
    assert f'receipt_url: "{site_link}"' in text

    # Everyone else keeps the public exports, which never name backers.
    public = stack.site_client().get(f"/campaigns/{campaign_id}/audit").get_data(as_text=True)
    assert "Exports for auditors" not in public and "export.csv" in public


def test_a_backer_creator_or_nobody_never_gets_backer_ids_through_the_site(
    stack: Stack,
) -> None:
    campaign_id, backer_id, backer, _ = _books(stack)
    path = f"/campaigns/{campaign_id}/audit/export.csv"
    _, creator = stack.account("creator")
    for token in (backer, creator):
        refused = stack.site_client(token).get(path)
        text = html.unescape(refused.get_data(as_text=True))
        assert refused.status_code == 403 and refused.mimetype == "text/html"
        assert "The exports that name backers are for auditors." in text
        assert backer_id not in text
    asked = stack.site_client().get(path)
    assert asked.status_code == 302 and "/login" in asked.headers["Location"]
    assert backer_id not in asked.get_data(as_text=True)
    assert stack.site_client().get(f"/campaigns/{campaign_id}/audit/export.pdf").status_code == 404


def test_a_bad_day_is_said_beside_its_field_and_nothing_is_downloaded(stack: Stack) -> None:
    campaign_id, backer_id, _, _ = _books(stack)
    _, auditor_token = stack.account("auditor")
    auditor = stack.site_client(auditor_token)
    path = f"/campaigns/{campaign_id}/audit/export.csv"
    for query, field, message in (
        ("from=31/12/2026", "from", "Enter a day as year-month-day, for example 2026-03-31."),
        ("to=2026-02-30", "to", "Enter a day as year-month-day, for example 2026-03-31."),
        ("to=1900-01-01", "to", "Enter a day between 1970 and 2199."),
        ("from=2026-03-01&to=2026-02-01", "from", "The first day must not be after the last day."),
    ):
        answer = auditor.get(f"{path}?{query}")
        text = html.unescape(answer.get_data(as_text=True))
        assert answer.status_code == 422 and answer.mimetype == "text/html", query
        assert "Content-Disposition" not in answer.headers
        assert f'<p class="error" id="{field}-error1">{message}</p>' in text, query
        assert backer_id not in text


def test_an_expired_token_signs_in_again_and_comes_back_to_the_export(stack: Stack) -> None:
    campaign_id, backer_id, _, _ = _books(stack)
    auditor_id, _ = stack.account("auditor")
    issuer = stack.apps["pledges"].extensions["fundtrail"].token_issuer
    expired = issuer.issue(auditor_id, "auditor", now=datetime.now(UTC) - timedelta(days=60))
    auditor = stack.site_client()
    with auditor.session_transaction() as session:
        session.update(token=expired, account_id=str(auditor_id), role="auditor")
    path = f"/campaigns/{campaign_id}/audit/export.csv"

    answer = auditor.get(path)

    assert answer.status_code == 302, answer.get_data(as_text=True)
    location = answer.headers["Location"]
    assert location.startswith("/login") and "export.csv" in location
    assert backer_id not in answer.get_data(as_text=True)
    with auditor.session_transaction() as session:
        assert "token" not in session  # signed out: the sign-in page asks who it is
    # The ledger refuses that token too: it is never read as "the public".
    ledger = stack.apps["ledger"].test_client()
    refused = ledger.get(f"/api/v1/campaigns/{campaign_id}/export.csv", headers=bearer(expired))
    assert refused.status_code == 401 and backer_id.encode() not in refused.data
