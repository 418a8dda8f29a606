"""Receipts in a real browser: a creator logs an expense with a receipt and publishes a redacted
copy from the console; a backer sees its thumbnail on the money trail and opens it; an auditor,
signed in on the site, downloads the original and the export naming backers from the audit
page. Each page is checked on a laptop and on a 360 px phone (fit, tap targets, axe-core)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import LiveFundtrail
from tests.e2e.browser.test_browser_journey import PASSWORD, Journey, expect_text
from tests.e2e.browser.test_browser_phone import Walk
from tests.e2e.conftest import eventually
from tests.factories import phone_photo
from tests.integration.ledger.ledger_support import pdf_bytes

pytestmark = pytest.mark.kafka


def _auditor(live: LiveFundtrail) -> str:
    """An auditor account made as an admin makes one (no password yet); its address."""
    from services.pledges import commands, handlers

    address = f"ada-{uuid.uuid4().hex[:8]}@example.test"
    dependencies = live.system.apps["pledges"].extensions["fundtrail"]
    handlers.create_account(
        commands.CreateAccount(role="auditor", name="Ada Auditor", email=address),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return address


def test_a_redacted_receipt_reaches_backers_and_the_original_reaches_auditors(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    journey = Journey(live_fundtrail, axe_source, tmp_path)
    walk = Walk(axe_source)
    title = f"A bakery's new oven {uuid.uuid4().hex[:6]}"

    creator = open_browser()
    journey.confirm_address(creator, journey.sign_up(creator, "Maker", "Creator"))
    journey.create_campaign(creator, title)
    page = creator.page
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
    expect_text(page, "is live")

    backer = open_browser()
    journey.sign_up(backer, "Bea", "Backer")
    page = backer.page
    page.goto("/")
    page.get_by_role("link", name=title).click()
    campaign = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_label("Amount").fill("600")
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €600.00 is recorded")
    live_fundtrail.pass_deadlines(timedelta(days=2))

    # The creator logs the expense with its receipt, then publishes a redacted copy of it.
    page = creator.page

    def expenses_open() -> bool:
        page.goto(campaign)
        return page.get_by_role("link", name="Log expense").count() > 0

    eventually(expenses_open)
    receipt = pdf_bytes("Invoice 7 for Jane Roe, 12 Mill Lane")
    page.get_by_role("link", name="Log expense").click()
    page.get_by_label("Amount").fill("250")
    page.get_by_label("Category", exact=True).select_option("Bricks")
    page.get_by_label("Description").fill("Fire bricks")
    page.get_by_label("Vendor").fill("Brickworks Ltd")
    page.get_by_label("Date").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Receipt").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": receipt}
    )
    page.get_by_role("button", name="Log expense").click()
    expect_text(page, "The expense is logged in the ledger")
    page.get_by_role("link", name="Expenses", exact=True).click()
    expenses = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_text("Publish a copy for backers").click()
    page.get_by_label("A redacted copy I upload").check()
    page.get_by_label(re.compile(r"^Redacted copy")).set_input_files(
        {"name": "redacted.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}
    )
    page.get_by_role("button", name="Publish for backers").click()
    expect_text(page, "is published for the campaign's backers")
    expect_text(page, "Backers see the redacted copy you published on")
    walk.pages(creator, "the creator", {"expenses": expenses})

    # The backer sees the thumbnail on the money trail and opens the copy.
    page = backer.page
    page.goto(campaign)
    expect_text(page, "Redacted copy published by the creator on")
    thumbnail = page.get_by_role("img", name=re.compile(r"First page of the receipt of entry"))
    assert thumbnail.evaluate("image => image.complete && image.naturalWidth") == 320
    walk.pages(backer, "a backer", {"campaign": campaign})
    page.goto(campaign)
    link = page.get_by_role("link", name=re.compile(r"Open the copy of the receipt of entry"))
    with page.expect_response(re.compile(r"/receipts/[0-9a-f]{64}/copy$")) as opened:
        link.click()
    shown = opened.value
    assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
    copy = shown.body()
    assert b"TRAILING-SECRET" not in copy and b"GPS" not in copy  # redrawn from its pixels

    # The auditor sets a password from the mailed link, signs in, and downloads the original.
    address = _auditor(live_fundtrail)
    auditor = open_browser()
    page = auditor.page
    page.goto("/forgot-password")
    page.get_by_label("E-mail").fill(address)
    page.get_by_role("button", name="Send me a link").click()
    page.goto(live_fundtrail.link_in_mail(address))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_role("button", name="Change my password").click()
    page.get_by_label("E-mail").fill(address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect_text(page, f"Signed in as {address}")
    page.goto(f"{campaign}/audit")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"Download the receipt of entry")).click()
    saved = Path(download.value.path())
    assert saved.read_bytes() == receipt  # the original, byte for byte, with its personal data
    assert download.value.suggested_filename == (
        f"receipt-{hashlib.sha256(receipt).hexdigest()}.pdf"
    )

    # Then the export that names backers, from the same page: no token to write by hand.
    def exported() -> list[dict[str, str]]:
        page.goto(f"{campaign}/audit")
        with page.expect_download() as download:
            page.get_by_role("button", name="Download the CSV").click()
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower())
        assert download.value.suggested_filename == f"{slug}-audit.csv"
        rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
        assert rows and "backer_id" in rows[0]
        # Once the ledger's checkpoint covers the expense (its worker signs in its own time).
        return rows if any(row["kind"] == "expense" for row in rows) else []

    rows = eventually(exported)
    assert all(row["backer_id"] for row in rows if row["kind"] == "contribution")
    links = [row["receipt_url"] for row in rows if row["kind"] == "expense"]
    assert links and all(f"{campaign}/receipts/" in link for link in links)
    walk.pages(auditor, "an auditor", {"audit": f"{campaign}/audit"})

    assert walk.problems == [], "\n".join(walk.problems)
