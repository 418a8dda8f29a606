"""Issue 18 in a real browser: a backer who has pledged is offered "Change your pledge" (saying
what it replaces), never a second, silent pledge, even from a page left open in another tab; a
partial refund reads "€10.00 refunded of €20.00"; "Cancel pledge" asks first, on a page saying what
happens ("No, keep my pledge" keeps it); an over-budget expense is refused in amounts
as the site writes them; a reused receipt is explained in its own field. At desktop size, then
the same pages on a 360 px phone (layout and axe-core find nothing)."""

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
    accessibility_violations,
    layout_problems,
)
from tests.e2e.browser.test_browser_journey import Journey, expect_text
from tests.e2e.conftest import eventually
from tests.factories import bearer, create_account
from tests.integration.ledger.ledger_support import pdf_bytes

pytestmark = pytest.mark.kafka


def test_a_pledge_is_changed_never_replaced_and_refusals_speak_in_amounts(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    journey = Journey(live_fundtrail, axe_source, tmp_path)
    title = f"Pinhole zine {uuid.uuid4().hex[:6]}"
    creator = open_browser()
    journey.confirm_address(creator, journey.sign_up(creator, "Maker", "Creator"))
    journey.create_campaign(creator, title, tier="Zine")
    creator.page.get_by_role("row").filter(has_text=title).get_by_role(
        "button", name="Launch"
    ).click()
    expect_text(creator.page, "is live")

    # The backer opens the campaign in two tabs, and pledges €45 with the tier Zine in one.
    backer = open_browser()
    journey.sign_up(backer, "Bea", "Backer")
    page = backer.page
    page.goto("/")
    page.get_by_role("link", name=title).click()
    campaign = re.sub(r"^https?://[^/]+", "", page.url)
    other_tab = backer.page.context.new_page()
    other_tab.goto(campaign)
    page.get_by_label("Amount").fill("45")
    page.get_by_label("Tier", exact=True).select_option(label="Zine (from €10.00)")
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €45.00 is recorded")
    # Once pledged: no empty Pledge form, but "Change your pledge" saying what it replaces.
    expect(page.get_by_role("button", name="Pledge", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Change your pledge")).to_be_visible()
    expect_text(page, "This replaces your pledge of €45.00 (tier Zine).")
    journey.check_accessibility(backer, "campaign, pledged")

    # The other tab's form, still on the page there, does not erase the first pledge.
    other_tab.get_by_label("Amount").fill("20")
    other_tab.get_by_role("button", name="Pledge").click()
    expect(other_tab.locator("body")).to_contain_text(
        "You have already pledged €45.00 to this campaign, so nothing was changed"
    )
    expect(other_tab.locator("body")).to_contain_text("You pledged €45.00. Tier: “Zine”.")
    other_tab.close()

    # The backer changes the pledge to €20 without a tier: one pledge, the new one.
    page.goto(campaign)
    page.get_by_label("New amount").fill("20")
    page.get_by_label("New tier").select_option(label="No tier")
    page.get_by_role("button", name="Change pledge").click()
    expect_text(page, "Your pledge is now €20.00.")
    expect_text(page, "This replaces your pledge of €20.00.")
    page.get_by_role("link", name="My pledges").click()
    rows = page.get_by_role("row").filter(has_text=title)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("€20.00")

    # A third backer pledges €15 for Zine, then thinks better of it: "Cancel pledge" first shows
    # what cancelling does (on a phone too); "No, keep my pledge" keeps it; the red button ends it.
    dan = open_browser()
    journey.sign_up(dan, "Dan", "Backer")
    page = dan.page
    page.goto(campaign)
    page.get_by_label("Amount").fill("15")
    page.get_by_label("Tier", exact=True).select_option(label="Zine (from €10.00)")
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €15.00 is recorded")
    page.get_by_role("button", name="Cancel pledge").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your pledge of €15.00?")
    expect_text(
        page,
        f"Your pledge of €15.00 (tier “Zine”) to “{title}” is withdrawn: you are never charged "
        "for it.",
    )
    expect_text(page, "the campaign's backers go from 2 to 1, and €15.00 less pledged.")
    expect_text(page, "You may pledge to this campaign again, as a new pledge")
    page.set_viewport_size(PHONE)
    asking = layout_problems(page) + accessibility_violations(page, axe_source)
    assert asking == [], f"the cancel confirmation on a phone: {asking}"
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="No, keep my pledge").click()
    expect_text(page, "You pledged €15.00. Tier: “Zine”.")
    page.get_by_role("button", name="Cancel pledge").click()
    page.get_by_role("button", name="Cancel my pledge").click()
    expect_text(page, "Your pledge of €15.00 is cancelled.")
    expect(page.get_by_role("button", name="Cancel pledge")).to_have_count(0)
    assert dan.console_errors == []

    # Another backer takes it past its goal; the deadline passes and the money is collected.
    pledges = live_fundtrail.system.apps["pledges"]
    _, token = create_account(pledges, "backer", "Cy")
    campaign_id = campaign.rsplit("/", 1)[1]
    made = pledges.test_client().post(
        f"/api/v1/campaigns/{campaign_id}/pledges", json={"amount": 60_000}, headers=bearer(token)
    )
    assert made.status_code == 201, made.get_json()
    live_fundtrail.pass_deadlines(timedelta(days=2))
    page = creator.page

    def money_recorded() -> bool:
        page.goto(campaign)
        figures = page.locator("dl.figures")
        return figures.count() > 0 and "€620.00" in figures.inner_text()

    eventually(money_recorded)

    # The creator refunds €10 of Bea's €20: her My pledges says how much of how much.
    page.get_by_role("link", name="Manage this campaign").click()
    manage = re.sub(r"^https?://[^/]+", "", page.url)
    row = page.get_by_role("row").filter(has_text="Bea")
    row.get_by_label(re.compile("^Refund amount")).fill("10")
    row.get_by_label(re.compile("^Reason")).fill("The zine got cheaper to print")
    row.get_by_role("button", name="Refund").click()
    page.get_by_role("button", name="Refund €10.00").click()  # the page that asks first
    expect_text(page, "Refunded €10.00")
    expect(page.get_by_role("row").filter(has_text="Bea")).to_contain_text(
        "€10.00 refunded of €20.00"
    )
    backer.page.goto("/my/pledges")
    expect(backer.page.get_by_role("row").filter(has_text=title)).to_contain_text(
        "€10.00 refunded of €20.00"
    )

    # An expense beyond what is left is refused in amounts, next to the amount.
    def refund_recorded() -> bool:
        page.goto(campaign)
        figures = page.locator("dl.figures")
        return figures.count() > 0 and "€610.00" in figures.inner_text()

    eventually(refund_recorded)
    page.get_by_role("link", name="Log expense").click()
    expense = re.sub(r"^https?://[^/]+", "", page.url)
    receipt = pdf_bytes("Print run")

    def fill_expense(amount: str) -> None:
        page.get_by_label("Amount").fill(amount)
        page.get_by_label("Category", exact=True).select_option("Bricks")
        page.get_by_label("Description").fill("Risograph print run")
        page.get_by_label("Vendor").fill("Print & Co")
        page.get_by_label("Date").fill(datetime.now(UTC).date().isoformat())
        page.get_by_label("Receipt").set_input_files(
            {"name": "print.pdf", "mimeType": "application/pdf", "buffer": receipt}
        )
        page.get_by_role("button", name="Log expense").click()

    fill_expense("700")
    amount_field = page.get_by_label("Amount")
    expect(amount_field).to_have_attribute("aria-invalid", "true")
    expect(amount_field).to_have_accessible_description(
        re.compile(r"€700\.00 needed but only €610\.00 available\.")
    )
    journey.check_accessibility(creator, "log expense, over budget")
    refused_expense = page.content()
    assert "70000" not in refused_expense and "61000" not in refused_expense
    page.set_viewport_size(PHONE)
    assert layout_problems(page) == [], "the refused expense form on a phone"
    page.set_viewport_size(DESKTOP)

    # The same receipt twice: the refusal names the form's field, which takes the reason.
    fill_expense("100")
    expect_text(page, "The expense is logged in the ledger")
    page.goto(expense)
    fill_expense("50")
    expect_text(page, "or say why under “Reason for reuse”")
    page.get_by_label("Reason for reuse").fill("One invoice, paid in two parts")
    page.get_by_label("Receipt").set_input_files(
        {"name": "print.pdf", "mimeType": "application/pdf", "buffer": receipt}
    )
    page.get_by_role("button", name="Log expense").click()
    expect_text(page, "The expense is logged in the ledger")

    # The same pages on a 360 px phone, and back at desktop size: nothing to fix.
    problems: list[str] = []
    for person, paths in (
        (backer, {"campaign": campaign, "my pledges": "/my/pledges"}),
        (creator, {"manage": manage, "log expense": expense}),
    ):
        for name, path in paths.items():
            person.page.set_viewport_size(PHONE)
            person.page.goto(path)
            found = layout_problems(person.page)
            found += accessibility_violations(person.page, axe_source)
            problems += [f"{name} on a phone: {problem}" for problem in found]
            person.page.set_viewport_size(DESKTOP)
            problems += [f"{name} on a laptop: {p}" for p in layout_problems(person.page)]
    assert problems == [], problems
    assert backer.console_errors == creator.console_errors == []
