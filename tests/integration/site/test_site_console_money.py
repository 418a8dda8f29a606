"""The creator console's money pages on the real services: expenses with receipts, updates,
and the auditor page."""

from __future__ import annotations

import hashlib
import html
import io
from typing import Any

from tests.factories import bearer
from tests.integration.ledger.ledger_support import pdf_bytes
from tests.integration.site.site_support import Stack, confirm, csrf_of


def _expense(client: Any, campaign_id: str, receipt: bytes, name: str, **fields: str) -> Any:
    path = f"/console/campaigns/{campaign_id}/expenses/new"
    page = client.get(path).get_data(as_text=True)
    data = {
        "csrf_token": csrf_of(page),
        "amount": "20.00",
        "category": "Materials",
        "description": "Oak staves",
        "vendor": "Cooper & Sons",
        "incurred_on": "2026-01-15",
        "receipt": (io.BytesIO(receipt), name),
        **fields,
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def test_the_creator_logs_an_expense_with_a_pdf_receipt(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert f'href="/console/campaigns/{campaign_id}/expenses/new"' in page
    form = client.get(f"/console/campaigns/{campaign_id}/expenses/new").get_data(as_text=True)
    for name, label in (("amount", "Amount"), ("category", "Category"), ("receipt", "Receipt")):
        assert f'<label for="{name}">{label}</label>' in form
    assert '<label for="incurred_on">Date</label>' in form
    assert 'enctype="multipart/form-data"' in form
    assert 'name="receipt" type="file"' in form

    receipt = pdf_bytes()
    response = _expense(client, campaign_id, receipt, "invoice.pdf")

    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The expense is logged in the ledger." in shown
    balance = stack.balance(campaign_id)
    assert (balance["spent"], balance["available"]) == (2_000, 10_345)
    # The receipt streamed through the site arrived whole: the ledger's fingerprint is its own.
    ledger = stack.apps["ledger"].test_client()
    entries = ledger.get(f"/api/v1/campaigns/{campaign_id}/entries").get_json()["entries"]
    [expense] = [entry for entry in entries if entry["kind"] == "expense"]
    assert expense["receipt_sha256"] == hashlib.sha256(receipt).hexdigest()
    assert "<dt>Spent</dt><dd>€20.00</dd>" in html.unescape(shown)


def test_an_overspend_is_shown_next_to_the_amount_and_writes_nothing(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()

    response = _expense(client, campaign_id, pdf_bytes(), "invoice.pdf", amount="500")

    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    assert '<p class="error" id="amount-error1">' in text
    assert "available" in text.split('id="amount-error1">')[1].split("</p>")[0]
    assert 'value="500"' in text and 'value="Cooper & Sons"' in text
    assert stack.balance(campaign_id)["spent"] == 0


def test_a_receipt_that_is_no_pdf_or_image_is_shown_next_to_receipt(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()

    response = _expense(client, campaign_id, b"just some text, not a receipt", "notes.txt")

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert '<p class="error" id="receipt-error1">' in text
    assert 'id="amount-error1"' not in text
    assert 'value="Materials"' in text
    assert stack.balance(campaign_id)["spent"] == 0


def test_the_creator_posts_a_backers_only_update_through_the_form(stack: Stack) -> None:
    campaign_id, client, creator = stack.funded_campaign()
    path = f"/console/campaigns/{campaign_id}/updates/new"
    page = client.get(path).get_data(as_text=True)
    assert '<label for="body">Body</label>' in page
    assert '<button type="submit">Publish</button>' in page

    response = client.post(
        path,
        data={
            "csrf_token": csrf_of(page),
            "title": "Staves arrived",
            "body": "The **oak** is here.",
            "visibility": "backers",
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "Your update is published." in response.get_data(as_text=True)
    updates = stack.apps["updates"].test_client()
    listed = f"/api/v1/campaigns/{campaign_id}/updates"
    mine = updates.get(listed, headers=bearer(creator)).get_json()["updates"]
    posted = [u for u in mine if u.get("title") == "Staves arrived"]
    assert [(u["visibility"], u["body"]) for u in posted] == [("backers", "The **oak** is here.")]
    public = updates.get(listed).get_json()["updates"]
    hidden = [u for u in public if u["id"] == posted[0]["id"]]
    assert hidden and hidden[0].get("title") is None


def test_the_audit_page_lists_the_three_exports_and_how_to_verify(stack: Stack) -> None:
    campaign_id, _, _ = stack.funded_campaign()
    anyone = stack.site_client()
    assert f'href="/campaigns/{campaign_id}/audit"' in anyone.get(
        f"/campaigns/{campaign_id}"
    ).get_data(as_text=True)

    page = anyone.get(f"/campaigns/{campaign_id}/audit")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    base = f"https://ledger.example.org/api/v1/campaigns/{campaign_id}"
    for kind in ("csv", "beancount"):
        assert f'href="{base}/export.{kind}"' in text
    # The one `fundtrail verify` reads, from the site under that name (see test_site_find).
    assert f'href="/campaigns/{campaign_id}/verify/export.jsonl" download>' in text
    assert "auditor" in text
    assert f'href="{base}/checkpoint"' in text
    assert 'href="https://ledger.example.org/api/v1/log/key"' in text
    assert "fundtrail verify export.jsonl --checkpoint checkpoint.txt" in text


def test_the_creator_publishes_a_report_and_is_shown_its_link(stack: Stack) -> None:
    campaign_id, client, _ = stack.funded_campaign()
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    path = f"/console/campaigns/{campaign_id}/reports"
    assert f'<a href="{path}">Publish a report</a>' in page
    ledger = stack.apps["ledger"].test_client()
    # Without the confirmation: sent to the page that asks, and nothing is published.
    unasked = client.post(path, data={"csrf_token": csrf_of(page)})
    assert (unasked.status_code, unasked.headers["Location"]) == (303, path)
    assert ledger.get(f"/api/v1/campaigns/{campaign_id}/reports").get_json()["reports"] == []
    size = int(ledger.get(f"/api/v1/campaigns/{campaign_id}/checkpoint").text.split("\n")[1])

    asked = html.unescape(client.get(path).get_data(as_text=True))
    assert "<h1>Publish a spending report of “" in asked
    covers = (
        "The report covers the ledger's one entry, as its latest signed checkpoint holds it."
        if size == 1
        else f"The report covers the ledger's first {size} entries, as its latest signed "
        "checkpoint holds them."
    )
    assert covers in asked
    assert "A published report is permanent: it can never be changed or withdrawn." in asked
    assert '<button type="submit" class="danger">Publish the report</button>' in asked

    response = confirm(client, asked, follow_redirects=True)

    assert response.status_code == 200
    reports = ledger.get(f"/api/v1/campaigns/{campaign_id}/reports").get_json()["reports"]
    assert len(reports) == 1
    text = html.unescape(response.get_data(as_text=True))
    assert f"The spending report is published: {reports[0]['url']}" in text
