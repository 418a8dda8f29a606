"""Second thoughts in a real browser: a creator cancels a campaign, reverses an expense, hides a
comment, retracts an update, publishes a report and refunds a pledge, and each act that cannot
be taken back first shows a page saying what will happen (red button, a way back), on a laptop
and on a 360 px phone. A form sent back with an error on a long page opens at the error.

The site tests (tests/integration/site) hold the rest: the actions refuse to write without the
confirmation, with the CSRF check still in front of them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveFundtrail,
    Person,
    accessibility_violations,
    layout_problems,
)
from tests.e2e.browser.test_browser_journey import Journey, expect_text
from tests.e2e.conftest import eventually
from tests.integration.ledger.ledger_support import pdf_bytes

pytestmark = pytest.mark.kafka


def confirmation(person: Person, axe_source: str, heading: str, *sentences: str) -> None:
    """The page asking to confirm says `sentences`, and fits a laptop and a phone: nothing
    scrolls sideways, every target is big enough, axe-core finds nothing serious. Its button is
    red, apart from the way back."""
    from playwright.sync_api import expect

    page = person.page
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    for sentence in sentences:
        expect(page.locator(".consequences")).to_contain_text(sentence)
    button = page.locator("form.confirm button.danger")
    expect(button).to_have_count(1)
    # The danger colour, not the accent of every other button.
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(164, 22, 26)"
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        found = layout_problems(page) + accessibility_violations(page, axe_source)
        assert found == [], f"{heading} at {size['width']} px: {found}"
    page.set_viewport_size(DESKTOP)
    assert person.console_errors == [], person.console_errors


def test_irreversible_acts_ask_first_and_errors_open_in_view(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    journey = Journey(live_fundtrail, axe_source, tmp_path)
    kiln, oven = (f"{name} {uuid.uuid4().hex[:6]}" for name in ("Kiln", "Oven"))

    creator = open_browser()
    address = journey.sign_up(creator, "Maker", "Creator")
    journey.confirm_address(creator, address)
    page = creator.page
    for title in (kiln, oven):
        journey.create_campaign(creator, title)
        page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
        expect_text(page, "is live")

    backer = open_browser()
    journey.sign_up(backer, "Bea", "Backer")
    for title, amount in ((kiln, "20"), (oven, "600")):
        backer.page.goto("/")
        backer.page.get_by_role("link", name=title).click()
        backer.page.get_by_label("Amount").fill(amount)
        backer.page.get_by_role("button", name="Pledge").click()
        expect_text(backer.page, "is recorded")
    oven_page = re.sub(r"^https?://[^/]+", "", backer.page.url)

    # Cancel: red and apart from Launch; the page says what it releases; going back changes
    # nothing; confirming cancels.
    page.get_by_role("link", name="Creator console").click()
    page.get_by_role("link", name=kiln).click()
    manage_kiln = page.url
    for path in ("/console", manage_kiln):  # where the red Cancel links are, on both screens
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            page.goto(path)
            found = layout_problems(page) + accessibility_violations(page, axe_source)
            assert found == [], f"{path} at {size['width']} px: {found}"
    page.get_by_role("link", name="Cancel campaign…").click()
    confirmation(
        creator,
        axe_source,
        f"Cancel “{kiln}”?",
        "1 pledge, €20.00, is released: its backer is not charged.",
        "Its backer is e-mailed that the campaign was cancelled",
        "This can never be undone",
    )
    page.get_by_role("link", name="No, keep the campaign").click()
    assert page.url == manage_kiln
    expect(page.locator("main")).to_contain_text("Status: live")
    page.get_by_role("link", name="Cancel campaign…").click()
    page.get_by_role("button", name="Cancel the campaign for good").click()
    expect_text(page, f"“{kiln}” is cancelled.")
    expect(page.locator("main")).to_contain_text("Status: cancelled")

    # An update on the oven, and a backer's question under it.
    page.goto(oven_page)
    page.get_by_role("link", name="New update").click()
    page.get_by_label("Title").fill("The oven's foundations are in")
    page.get_by_label("Body").fill("Thank you all.")
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Publish").click()
    expect_text(page, "Your update is published")
    backer.page.goto(oven_page)
    update = backer.page.locator("article.update", has_text="The oven's foundations are in")
    update.get_by_role("textbox").fill("Buy cheap watches at spam.example")
    update.get_by_role("button", name="Post comment").click()
    expect_text(backer.page, "Your comment is posted.")

    # Hiding it without a reason: the page comes back at the form, the error in view and its
    # field focused, on a laptop and on a phone (where the page is longest).
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(oven_page)
        page.locator("form.hide-comment").get_by_role("button", name="Hide").click()
        error = page.locator("form.hide-comment .error")
        expect(error).to_have_text("Say why it is hidden: backers will read the reason.")
        expect(error).to_be_in_viewport()
        reason = page.locator("form.hide-comment input[name=reason]")
        expect(reason).to_be_focused()
        expect(reason).to_have_accessible_description(re.compile("Say why it is hidden"))
        assert page.evaluate("document.documentElement.scrollHeight") > size["height"]
        assert layout_problems(page) == [], size
    page.set_viewport_size(DESKTOP)

    # Settled: the oven's €600 is collected, and the creator logs an expense to reverse.
    live_fundtrail.pass_deadlines(timedelta(days=2))

    def expenses_open() -> bool:
        page.goto(oven_page)
        return page.get_by_role("link", name="Log expense").count() > 0

    eventually(expenses_open)
    page.get_by_role("link", name="Log expense").click()
    page.get_by_label("Amount").fill("12.50")
    page.get_by_label("Category", exact=True).select_option("Bricks")
    page.get_by_label("Description").fill("Fire bricks, logged twice")
    page.get_by_label("Vendor").fill("Brickworks Ltd")
    page.get_by_label("Date").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Receipt").set_input_files(
        {"name": "bricks.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="Log expense").click()
    expect_text(page, "The expense is logged in the ledger")

    # Reverse.
    page.get_by_role("link", name="Expenses").first.click()
    page.get_by_label(re.compile("^Reason")).fill("Logged twice by mistake")
    page.get_by_role("button", name="Reverse").click()
    confirmation(
        creator,
        axe_source,
        "Reverse expense 1?",
        "Expense 1: €12.50 for Bricks, “Fire bricks, logged twice”.",
        "A reversal entry of €12.50 is appended to the ledger",
        "The expense stays in the public books for good",
    )
    page.get_by_role("button", name="Reverse expense 1").click()
    expect_text(page, "Entry 1 is reversed by entry 2.")

    # Retract.
    page.goto(oven_page)
    page.get_by_role("link", name="Your updates").click()
    page.get_by_label(re.compile("^Reason")).fill("Spam got under it")
    page.get_by_role("button", name="Retract").click()
    confirmation(
        creator,
        axe_source,
        "Retract “The oven's foundations are in”?",
        "with your reason: “Spam got under it”.",
        "It was e-mailed to the campaign's backer when it was published",
        "This can never be undone",
    )
    page.get_by_role("button", name="Retract the update for good").click()
    expect_text(page, "The update is retracted")

    # Publish a report.
    page.goto(oven_page)
    page.get_by_role("link", name="Manage this campaign").click()
    manage_oven = page.url
    page.get_by_role("link", name="Publish a report").click()
    confirmation(
        creator,
        axe_source,
        f"Publish a spending report of “{oven}”?",
        "as its latest signed checkpoint holds",
        "A published report is permanent",
    )
    page.get_by_role("button", name="Publish the report").click()
    expect_text(page, "The spending report is published")

    # Refund with the amount left blank: the whole pledge, said in figures.
    page.goto(manage_oven)
    row = page.get_by_role("row").filter(has_text="Bea")
    row.get_by_label(re.compile("^Reason")).fill("The oven moved a year")
    row.get_by_role("button", name="Refund").click()
    confirmation(
        creator,
        axe_source,
        "Refund €600.00 to Bea?",
        "€600.00, the whole pledge.",
        "The reason given: “The oven moved a year”.",
        "Bea is told of the refund and its reason.",
    )
    page.get_by_role("link", name="No, go back").click()
    expect(page.get_by_role("row").filter(has_text="Bea")).to_contain_text("collected")
    row = page.get_by_role("row").filter(has_text="Bea")
    row.get_by_label(re.compile("^Reason")).fill("The oven moved a year")
    row.get_by_role("button", name="Refund").click()
    page.get_by_role("button", name="Refund €600.00").click()
    expect_text(page, "Refunded €600.00")
