"""Receipts on the site: the creator publishes a copy for the backers from the console, backers
see its thumbnail and open it on the money trail, auditors download originals from the audit
page; each through the site with the signed-in person's token, and each refusal a page."""

from __future__ import annotations

import hashlib
import html
import io
import re
from typing import Any

import sqlalchemy as sa
from PIL import Image

from tests.factories import bearer
from tests.integration.ledger.test_ledger_receipt_copies import photo_with_gps
from tests.integration.site.site_support import Stack, csrf_of


def _expense(client: Any, campaign_id: str, receipt: bytes) -> int:
    """Log an expense through the console; its seq."""
    path = f"/console/campaigns/{campaign_id}/expenses/new"
    data = {
        "csrf_token": csrf_of(client.get(path).get_data(as_text=True)),
        "amount": "20.00",
        "category": "Materials",
        "description": "Oak staves",
        "vendor": "Cooper & Sons",
        "incurred_on": "2026-01-15",
        "receipt": (io.BytesIO(receipt), "receipt.jpg"),
    }
    assert client.post(path, data=data, content_type="multipart/form-data").status_code == 302
    page = client.get(f"/console/campaigns/{campaign_id}/expenses").get_data(as_text=True)
    found = re.search(r'id="entry-(\d+)"', page)
    assert found
    return int(found.group(1))


def _publish(client: Any, campaign_id: str, seq: int, kind: str, copy: bytes | None = None) -> Any:
    page = client.get(f"/console/campaigns/{campaign_id}/expenses").get_data(as_text=True)
    data: dict[str, Any] = {"csrf_token": csrf_of(page), "kind": kind}
    if copy is not None:
        data["copy"] = (io.BytesIO(copy), "redacted.jpg")
    return client.post(
        f"/console/campaigns/{campaign_id}/expenses/{seq}/receipt-copy",
        data=data,
        content_type="multipart/form-data",
    )


def _two_funded_campaigns(stack: Stack) -> tuple[str, Any, str, str]:
    """Two campaigns funded by two backers, one each: the first's id, its creator's browser,
    its backer's token, and the token of the second's backer."""
    made = []
    for _ in range(2):
        _, creator = stack.account("creator")
        _, backer = stack.account("backer")
        campaign = stack.campaign(creator, title="Cider press", funding_model="flexible")
        pledged = stack.pledges.post(
            f"/api/v1/campaigns/{campaign['id']}/pledges",
            json={"amount": 12_345},
            headers=bearer(backer),
        )
        assert pledged.status_code == 201, pledged.get_json()
        made.append((campaign["id"], creator, backer))
    stack.clock.travel(days=31)
    for campaign_id, creator, _ in made:
        settled = stack.pledges.post(
            f"/api/v1/campaigns/{campaign_id}/settle", headers=bearer(creator)
        )
        assert settled.get_json()["status"] == "succeeded"
    stack.relay()
    (campaign_id, creator, backer), (_, _, stranger) = made
    return campaign_id, stack.site_client(creator), backer, stranger


def _copies(stack: Stack) -> int:
    ledger = stack.apps["ledger"].extensions["fundtrail"]
    with ledger.engine.connect() as connection:
        table = ledger.tables["receipt_copies"]
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_redacted_copy_goes_from_the_console_to_the_backers_money_trail(stack: Stack) -> None:
    _, backer = stack.account("backer")
    campaign_id, creator, _ = stack.funded_campaign(backer=backer)
    receipt = photo_with_gps()
    seq = _expense(creator, campaign_id, receipt)
    sha = hashlib.sha256(receipt).hexdigest()
    console = creator.get(f"/console/campaigns/{campaign_id}/expenses").get_data(as_text=True)
    assert "Publish a copy for backers" in console
    assert f'href="/campaigns/{campaign_id}/receipts/{sha}/original"' in console

    response = _publish(creator, campaign_id, seq, "redacted", photo_with_gps())
    assert response.status_code == 302, response.get_data(as_text=True)
    shown = html.unescape(creator.get(response.headers["Location"]).get_data(as_text=True))
    assert f"A copy of the receipt of entry {seq} is published for the campaign's backers." in shown
    assert "Backers see the redacted copy you published on" in shown

    reader = stack.site_client(backer)
    page = html.unescape(reader.get(f"/campaigns/{campaign_id}").get_data(as_text=True))
    thumb_url = f"/campaigns/{campaign_id}/receipts/{sha}/thumbnail.png"
    copy_url = f"/campaigns/{campaign_id}/receipts/{sha}/copy"
    assert f'src="{thumb_url}"' in page and f'href="{copy_url}"' in page
    assert "Redacted copy published by the creator on" in page
    thumb = reader.get(thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    assert Image.open(io.BytesIO(thumb.data)).width == 320
    copy = reader.get(copy_url)
    assert copy.status_code == 200 and copy.mimetype == "image/jpeg"
    assert copy.headers["Content-Disposition"].startswith("inline")
    assert b"PhoneMaker" not in copy.data and b"Jane Roe" not in copy.data
    assert Image.open(io.BytesIO(copy.data)).getexif() == {}

    # The public learns that a copy exists, never sees it.
    anonymous = stack.site_client()
    public = html.unescape(anonymous.get(f"/campaigns/{campaign_id}").get_data(as_text=True))
    assert thumb_url not in public
    assert (
        "The creator published a redacted copy of this receipt for the campaign's backers."
        in public
    )
    asked = anonymous.get(copy_url)
    assert asked.status_code == 302 and "/login" in asked.headers["Location"]


def test_a_backer_of_another_campaign_gets_a_refusal_page_not_the_copy(stack: Stack) -> None:
    campaign_id, creator, _, stranger = _two_funded_campaigns(stack)
    seq = _expense(creator, campaign_id, photo_with_gps())
    assert _publish(creator, campaign_id, seq, "original").status_code == 302
    sha = hashlib.sha256(photo_with_gps()).hexdigest()
    other = stack.site_client(stranger)
    page = html.unescape(other.get(f"/campaigns/{campaign_id}").get_data(as_text=True))
    assert "thumbnail.png" not in page
    for part in ("copy", "thumbnail.png"):
        refused = other.get(f"/campaigns/{campaign_id}/receipts/{sha}/{part}")
        assert refused.status_code == 403 and refused.mimetype == "text/html"
        assert "shown to the campaign's backers, its creator and auditors" in html.unescape(
            refused.get_data(as_text=True)
        )


def test_originals_go_to_auditors_through_the_audit_page_and_to_nobody_else(stack: Stack) -> None:
    _, backer = stack.account("backer")
    campaign_id, creator, _ = stack.funded_campaign(backer=backer)
    receipt = photo_with_gps()
    seq = _expense(creator, campaign_id, receipt)
    sha = hashlib.sha256(receipt).hexdigest()
    original_url = f"/campaigns/{campaign_id}/receipts/{sha}/original"

    _, auditor_token = stack.account("auditor")
    auditor = stack.site_client(auditor_token)
    audit = html.unescape(auditor.get(f"/campaigns/{campaign_id}/audit").get_data(as_text=True))
    assert f'href="{original_url}"' in audit
    assert f"Download the receipt of entry #{seq}" in audit
    got = auditor.get(original_url)
    assert got.status_code == 200 and got.data == receipt  # the original, byte for byte
    assert got.headers["Content-Disposition"] == f'attachment; filename="receipt-{sha}.jpg"'
    assert got.headers["Content-Security-Policy"] == "sandbox"

    refused = stack.site_client(backer).get(original_url)
    assert refused.status_code == 403 and refused.data != receipt
    assert "only the campaign's creator and auditors can download them" in html.unescape(
        refused.get_data(as_text=True)
    )
    asked = stack.site_client().get(original_url)
    assert asked.status_code == 302 and "/login" in asked.headers["Location"]


def test_only_the_creator_publishes_and_a_bad_copy_is_shown_next_to_its_field(
    stack: Stack,
) -> None:
    campaign_id, creator, _ = stack.funded_campaign()
    seq = _expense(creator, campaign_id, photo_with_gps())
    _, someone = stack.account("creator")
    intruder = stack.site_client(someone, role="creator")
    page = intruder.get(f"/console/campaigns/{campaign_id}/expenses")
    assert page.status_code == 403
    with intruder.session_transaction() as session:
        session["csrf_token"] = "intruder-csrf"
    refused = intruder.post(
        f"/console/campaigns/{campaign_id}/expenses/{seq}/receipt-copy",
        data={"csrf_token": "intruder-csrf", "kind": "original"},
    )
    assert refused.status_code == 403
    assert "Only the campaign's creator" in html.unescape(refused.get_data(as_text=True))

    bad = _publish(
        creator, campaign_id, seq, "redacted", b"<html><body>not a receipt</body></html>"
    )
    assert bad.status_code == 422
    text = html.unescape(bad.get_data(as_text=True))
    assert f'id="copy-{seq}-file-error1"' in text
    assert "HTML" in text.split(f'id="copy-{seq}-file-error1">')[1].split("</p>")[0]
    assert f"No copy of the receipt of entry {seq} was published." in text
    missing = _publish(creator, campaign_id, seq, "redacted")
    assert missing.status_code == 422
    assert "Choose the redacted copy" in missing.get_data(as_text=True)
    assert _copies(stack) == 0


def test_path_and_hash_tricks_on_the_site_name_no_receipt(stack: Stack) -> None:
    _, backer = stack.account("backer")
    campaign_id, creator, _ = stack.funded_campaign(backer=backer)
    receipt = photo_with_gps()
    seq = _expense(creator, campaign_id, receipt)
    assert _publish(creator, campaign_id, seq, "original").status_code == 302
    sha = hashlib.sha256(receipt).hexdigest()
    _, auditor_token = stack.account("auditor")
    auditor = stack.site_client(auditor_token)
    for name in (sha.upper(), sha[:-1], "..%2F..%2Fkeys", "%2e%2e", sha + "%00"):
        for part in ("copy", "original", "thumbnail.png"):
            response = auditor.get(f"/campaigns/{campaign_id}/receipts/{name}/{part}")
            assert response.status_code == 404, (name, part)
            assert response.mimetype == "text/html"
    assert auditor.get(f"/campaigns/{campaign_id}/receipts/{sha}/copy").status_code == 200
