"""The issue's whole story in a real browser, over the real broker: a creator signs up,
confirms the address from the mailbox and launches; a backer signs up, finds the campaign from
the home page and pledges; after settlement the creator logs an expense with a PDF receipt and
posts a backers-only update; an anonymous reader sees the money trail but not that update, and
the backer sees it. axe-core checks every main page on the way."""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import (
    PHONE,
    LiveFundtrail,
    Person,
    accessibility_violations,
    layout_problems,
)
from tests.e2e.conftest import eventually
from tests.integration.ledger.ledger_support import pdf_bytes

pytestmark = pytest.mark.kafka

PASSWORD = "a long phrase nobody else would pick"
#: `FUNDTRAIL_SCREENSHOTS=docs/images make test` refreshes the README's pictures.
SCREENSHOTS = os.environ.get("FUNDTRAIL_SCREENSHOTS")


class Journey:
    """What the test's people do, in the words of the page: labels, buttons, links."""

    def __init__(self, live: LiveFundtrail, axe_source: str, tmp_path: Path) -> None:
        self.live = live
        self.axe_source = axe_source
        self.tmp_path = tmp_path
        self.checked: list[str] = []

    def check_accessibility(self, person: Person, name: str) -> None:
        found = accessibility_violations(person.page, self.axe_source)
        assert found == [], f"{name}: {found}"
        assert person.console_errors == [], f"{name}: {person.console_errors}"
        self.checked.append(name)

    def picture(self, person: Person, name: str) -> None:
        path = Path(SCREENSHOTS or self.tmp_path) / f"site-{name}.png"
        person.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{name}: an empty picture?"

    def sign_up(self, person: Person, name: str, role: str) -> str:
        address = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.test"
        page = person.page
        page.goto("/")
        page.get_by_role("link", name="Sign up").click()
        self.check_accessibility(person, "sign-up")
        # Sent empty first: the errors sit next to their fields, and the page stays accessible.
        page.get_by_role("button", name="Sign up").click()
        expect_field_error(page, "Password")
        self.check_accessibility(person, f"sign-up refused ({role})")
        page.get_by_label("Name").fill(name)
        page.get_by_label("E-mail").fill(address)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label(role).check()
        page.get_by_role("button", name="Sign up").click()
        expect_text(page, "We sent you an e-mail")
        expect_text(page, f"Signed in as {address}")
        return address

    def confirm_address(self, person: Person, address: str) -> None:
        link = self.live.link_in_mail(address)
        assert "/verify?token=" in link
        person.page.goto(link)
        person.page.get_by_role("button", name="Confirm my address").click()
        expect_text(person.page, "your e-mail address is confirmed")

    def create_campaign(
        self, person: Person, title: str, tier: str | None = None, cover: bytes | None = None
    ) -> None:
        """A creator drafts an all-or-nothing campaign for €500 ending in a day (with a €10
        tier named `tier` and the JPEG `cover`, if given), from the console; it is left as a
        draft in the console's list."""
        page = person.page
        page.get_by_role("link", name="Creator console").click()
        page.get_by_role("link", name="New campaign").click()
        self.check_accessibility(person, "new campaign")
        page.get_by_label("Title").fill(title)
        page.get_by_label("Description").fill("A wood-fired oven for the village square.")
        page.get_by_label("Goal").fill("500")
        page.get_by_label("Currency").fill("EUR")
        deadline = datetime.now(UTC) + timedelta(days=1)
        page.get_by_label("Deadline").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("All or nothing").check()
        page.get_by_label("Budget category").first.fill("Bricks")
        page.locator("#budget_amount_0").fill("400")
        if tier:
            page.get_by_label("Tier name").first.fill(tier)
            page.locator("#tier_min_0").fill("10")
        if cover:
            page.get_by_label("Cover image").set_input_files(
                {"name": "cover.jpg", "mimeType": "image/jpeg", "buffer": cover}
            )
        page.get_by_role("button", name="Create").click()
        expect_text(page, "is saved")


def expect_field_error(page: Any, label: str) -> None:
    """The field labelled `label` is marked invalid, with its error named for screen readers."""
    from playwright.sync_api import expect

    field = page.get_by_label(label, exact=True)
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile(r"\S"))


def expect_text(page: Any, text: str) -> None:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text)


def test_a_campaign_from_sign_up_to_the_money_trail(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    journey = Journey(live_fundtrail, axe_source, tmp_path)
    title = f"Community oven {uuid.uuid4().hex[:6]}"

    # A creator signs up, confirms the address from the mailbox, creates and launches.
    creator = open_browser()
    creator_address = journey.sign_up(creator, "Maker", "Creator")
    journey.confirm_address(creator, creator_address)
    journey.create_campaign(creator, title)
    page = creator.page
    row = page.get_by_role("row").filter(has_text=title)
    row.get_by_role("button", name="Launch").click()
    expect_text(page, "is live")
    journey.check_accessibility(creator, "console")
    journey.picture(creator, "console")

    # A backer signs up, finds it from the home page and pledges €600.
    backer = open_browser()
    backer_address = journey.sign_up(backer, "Bea", "Backer")
    journey.confirm_address(backer, backer_address)  # update mail goes to proven addresses
    page = backer.page
    page.goto("/")
    journey.check_accessibility(backer, "home")
    journey.picture(backer, "home")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    campaign_url = re.sub(r"^https?://[^/]+", "", page.url)
    assert re.fullmatch(r"/campaigns/[0-9a-f-]{36}", campaign_url), campaign_url
    page.get_by_label("Amount").fill("600")
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €600.00 is recorded")
    expect_text(page, "€600.00 pledged of a €500.00 goal")
    page.get_by_role("link", name="My pledges").click()
    expect(page.get_by_role("row").filter(has_text=title)).to_contain_text("pledged")
    journey.check_accessibility(backer, "my pledges")

    # The deadline passes; the settler collects; the ledger hears of it over Kafka.
    live_fundtrail.pass_deadlines(timedelta(days=2))
    page = creator.page

    def money_recorded() -> bool:
        page.goto(campaign_url)
        figures = page.locator("dl.figures")
        return figures.count() > 0 and "€600.00" in figures.inner_text()

    eventually(money_recorded)

    # The creator logs an expense with a PDF receipt…
    page.get_by_role("link", name="Log expense").click()
    journey.check_accessibility(creator, "log expense")
    page.get_by_label("Amount").fill("123.45")
    page.get_by_label("Category", exact=True).select_option("Bricks")
    page.get_by_label("Description").fill("Fire bricks, first pallet")
    page.get_by_label("Vendor").fill("Brickworks Ltd")
    page.get_by_label("Date").fill(datetime.now(UTC).date().isoformat())
    receipt = pdf_bytes()
    page.get_by_label("Receipt").set_input_files(
        {"name": "bricks.pdf", "mimeType": "application/pdf", "buffer": receipt}
    )
    page.get_by_role("button", name="Log expense").click()
    expect_text(page, "The expense is logged in the ledger")
    expect(page.locator("dl.figures")).to_contain_text("€123.45")
    expect(page.locator("table.entries")).to_contain_text(hashlib.sha256(receipt).hexdigest())

    # …and posts an update for backers only.
    page.get_by_role("link", name="New update").click()
    journey.check_accessibility(creator, "new update")
    page.get_by_label("Title").fill("The oven's foundations are in")
    page.get_by_label("Body").fill("Thank you! **Photos** for backers inside.")
    page.get_by_label("Backers").check()
    page.get_by_role("button", name="Publish").click()
    expect_text(page, "Your update is published")

    # The creator's other pages: managing the campaign, its expenses, its updates.
    page.get_by_role("link", name="Manage this campaign").click()
    expect(page.get_by_role("table").filter(has_text="Bea")).to_contain_text("collected")
    journey.check_accessibility(creator, "manage campaign")
    journey.picture(creator, "console-campaign")
    page.get_by_role("link", name="Expenses").click()
    expect(page.locator("main")).to_contain_text("Brickworks Ltd")
    journey.check_accessibility(creator, "expenses")
    page.goto(campaign_url)
    page.get_by_role("link", name="Your updates").click()
    expect(page.locator("main")).to_contain_text("The oven's foundations are in")
    journey.check_accessibility(creator, "your updates")

    # An anonymous reader: raised, spent, the verify box; the update only as a teaser.
    reader = open_browser()
    page = reader.page
    page.goto(campaign_url)
    figures = page.locator("dl.figures")
    expect(figures).to_contain_text("Raised")
    expect(figures).to_contain_text("€600.00")
    expect(figures).to_contain_text("Spent")
    expect(figures).to_contain_text("€123.45")
    expect_text(page, "fundtrail verify")
    expect(page.get_by_role("link", name="Spending report (PDF)")).to_be_visible()
    expect_text(page, "An update for backers")
    assert "foundations are in" not in page.content()
    journey.check_accessibility(reader, "campaign")
    journey.picture(reader, "campaign")
    page.get_by_role("link", name="Audit this campaign").click()
    expect_text(page, "fundtrail verify")
    journey.check_accessibility(reader, "audit")
    page.get_by_role("link", name="Sign in").click()
    journey.check_accessibility(reader, "sign in")

    # The backer reads it.
    page = backer.page
    page.goto(campaign_url)
    expect(page.get_by_role("heading", name="The oven's foundations are in")).to_be_visible()
    expect(page.locator(".update-body strong")).to_have_text("Photos")
    page.get_by_label("Comment on “The oven's foundations are in”").fill(
        "Will there be a bread day for backers?"
    )
    page.locator("article.update", has_text="The oven's foundations are in").get_by_role(
        "button", name="Post comment"
    ).click()
    expect(page.locator(".comment-body")).to_have_text("Will there be a bread day for backers?")
    journey.check_accessibility(backer, "campaign, as a backer")
    creator.page.goto(campaign_url)
    expect(creator.page.locator(".comment-body")).to_contain_text("bread day")

    # The update's mail: "Read it online" opens its page on the site. The backer reads it
    # signed in at a laptop; on a phone, not signed in, the page asks them to sign in and
    # brings them back to it.
    online = live_fundtrail.link_in_mail(backer_address, "The oven's foundations are in")
    assert re.fullmatch(
        re.escape(live_fundtrail.url + campaign_url) + r"/updates/[0-9a-f-]{36}", online
    )
    backer.page.goto(online)
    expect(backer.page.locator(".update-body strong")).to_have_text("Photos")
    on_phone = open_browser()
    page = on_phone.page
    page.set_viewport_size(PHONE)
    page.goto(online)
    assert "foundations are in" not in page.content()
    assert layout_problems(page) == []
    journey.check_accessibility(on_phone, "backers-only update, signed out, on a phone")
    page.get_by_role("link", name="Sign in", exact=True).last.click()
    page.get_by_label("E-mail").fill(backer_address)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url == online
    expect(page.locator(".update-body strong")).to_have_text("Photos")
    assert layout_problems(page) == []

    assert len(journey.checked) == 18, journey.checked
