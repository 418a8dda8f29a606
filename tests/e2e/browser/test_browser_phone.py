"""Every page of the site on a 360 × 740 phone and on a laptop, as a visitor, a backer and a
creator meet it: nothing scrolls sideways, every tap target outside a sentence is at least
24 × 24 CSS pixels (WCAG 2.2, 2.5.8), and axe-core finds nothing serious.

The campaign is filled with what makes pages wide: a cover, a tier, a budget, a pledge, an
expense with a receipt (its 64-character hashes in the money trail), a signed checkpoint, an
update with a long address and a comment, and the long e-mail addresses people have."""

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
from tests.e2e.browser.test_browser_journey import SCREENSHOTS, Journey, expect_text
from tests.e2e.conftest import eventually
from tests.factories import phone_photo
from tests.integration.ledger.ledger_support import pdf_bytes

pytestmark = pytest.mark.kafka


class Walk:
    """Opens pages and collects what does not fit, rather than stopping at the first page: one
    run shows every page that needs work.

    Each page is loaded once, on the phone, and checked there (fit, targets, axe-core); then
    the window is widened to a laptop's and the fit and targets checked again: the site has no
    script, so the widened page is what a laptop would load, and the journey test already
    runs axe-core on these pages at that size."""

    def __init__(self, axe_source: str) -> None:
        self.axe_source = axe_source
        self.problems: list[str] = []
        self.seen: list[str] = []

    def pages(self, person: Person, who: str, paths: dict[str, str]) -> None:
        page = person.page
        for name, path in paths.items():
            page.set_viewport_size(PHONE)
            page.goto(path)
            found = layout_problems(page) + accessibility_violations(page, self.axe_source)
            self.note(f"{name} as {who} on a phone", found)
            page.set_viewport_size(DESKTOP)
            self.note(f"{name} as {who} on a laptop", layout_problems(page))
        assert person.console_errors == [], person.console_errors

    def note(self, where: str, found: list[str]) -> None:
        self.problems += [f"{where}: {problem}" for problem in found]
        self.seen.append(where)


def test_every_page_fits_a_phone(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    journey = Journey(live_fundtrail, axe_source, tmp_path)
    walk = Walk(axe_source)
    title = f"A community oven for the village square of Kampung {uuid.uuid4().hex[:6]}"

    visitor = open_browser()
    walk.pages(visitor, "a visitor", {"sign-up": "/signup", "sign-in": "/login"})

    creator = open_browser()
    creator_address = journey.sign_up(creator, "Maker", "Creator")
    journey.confirm_address(creator, creator_address)
    journey.create_campaign(
        creator, title, tier="A loaf a month from the first firing", cover=phone_photo()
    )
    page = creator.page
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
    expect_text(page, "is live")
    walk.pages(creator, "a creator", {"new campaign": "/console/new"})

    backer = open_browser()
    journey.sign_up(backer, "Bea", "Backer")
    page = backer.page
    page.goto("/")
    page.get_by_role("link", name=title).click()
    campaign = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_label("Amount").fill("600")
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €600.00 is recorded")
    # While it is live: the backer's pledge with its change and cancel forms.
    walk.pages(backer, "a backer", {"home": "/", "campaign, live": campaign})

    live_fundtrail.pass_deadlines(timedelta(days=2))
    page = creator.page

    def expenses_open() -> bool:
        page.goto(campaign)
        return page.get_by_role("link", name="Log expense").count() > 0

    eventually(expenses_open)
    page.get_by_role("link", name="Log expense").click()
    expense = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_label("Amount").fill("123.45")
    page.get_by_label("Category", exact=True).select_option("Bricks")
    page.get_by_label("Description").fill("Fire bricks, first pallet")
    page.get_by_label("Vendor").fill("Brickworks Ltd")
    page.get_by_label("Date").fill(datetime.now(UTC).date().isoformat())
    page.get_by_label("Receipt").set_input_files(
        {"name": "bricks.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    )
    page.get_by_role("button", name="Log expense").click()
    expect_text(page, "The expense is logged in the ledger")
    page.get_by_role("link", name="New update").click()
    new_update = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_label("Title").fill("The oven's foundations are in")
    page.get_by_label("Body").fill("Thank you all: https://example.org/a-very-long-address/" * 3)
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Publish").click()
    expect_text(page, "Your update is published")
    page.get_by_role("link", name="Manage this campaign").click()
    manage = re.sub(r"^https?://[^/]+", "", page.url)
    campaign_id = campaign.rsplit("/", 1)[1]

    page = backer.page
    page.goto(campaign)
    update = page.locator("article.update", has_text="The oven's foundations are in")
    update.get_by_role("textbox").fill("Will there be a bread day for backers?")
    update.get_by_role("button", name="Post comment").click()
    expect_text(page, "bread day")
    update_page = update.get_by_role("link", name="The oven's foundations are in")
    update_path = re.sub(r"^https?://[^/]+", "", update_page.get_attribute("href") or "")

    walk.pages(backer, "a backer", {"my pledges": "/my/pledges", "campaign": campaign})
    # The README's picture of the money trail on a phone (FUNDTRAIL_SCREENSHOTS=docs/images).
    backer.page.set_viewport_size(PHONE)
    backer.page.evaluate("document.getElementById('trail-heading').scrollIntoView()")
    picture = Path(SCREENSHOTS or tmp_path) / "site-phone-campaign.png"
    backer.page.screenshot(path=str(picture))
    walk.pages(
        creator,
        "a creator",
        {
            "console": "/console",
            "manage campaign": manage,
            "log expense": expense,
            "expenses": f"/console/campaigns/{campaign_id}/expenses",
            "new update": new_update,
            "your updates": f"/console/campaigns/{campaign_id}/updates",
            "payouts": "/console/payouts",
            "campaign": campaign,
        },
    )
    walk.pages(
        visitor,
        "a visitor",
        {
            "audit": f"{campaign}/audit",
            "update": update_path,
            "report": f"{campaign}/report",
            "embed": f"{campaign}/embed",
        },
    )

    assert walk.problems == [], "\n".join(walk.problems)
    assert len(walk.seen) == 38, walk.seen
