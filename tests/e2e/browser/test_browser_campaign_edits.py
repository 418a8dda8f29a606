"""A creator builds a campaign with the form as a person would (a second tier from "Add a
tier", each with what backers get and when, the deadline typed in Jakarta's time and shown in
UTC), launches it, then revises its story and a tier; the public page shows the new words and
its History page both versions. The same pages fit a 360 px phone and pass axe-core (issue 18)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date

from tests.e2e.browser.conftest import (
    DESKTOP,
    PHONE,
    LiveFundtrail,
    accessibility_violations,
    layout_problems,
)
from tests.e2e.browser.test_browser_journey import Journey, expect_text

pytestmark = pytest.mark.kafka

#: Jakarta's wall clock, two days ahead at 18:00; UTC is seven hours behind it.
LOCAL = (datetime.now(UTC) + timedelta(days=2)).replace(hour=18, minute=0, second=0, microsecond=0)
MONTH = (datetime.now(UTC) + timedelta(days=100)).strftime("%Y-%m")


def test_a_campaign_built_with_the_form_then_revised_with_a_public_history(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    journey = Journey(live_fundtrail, axe_source, tmp_path)
    title = f"Letterpress studio {uuid.uuid4().hex[:6]}"
    creator = open_browser()
    address = journey.sign_up(creator, "Printer", "Creator")
    journey.confirm_address(creator, address)
    page = creator.page

    page.get_by_role("link", name="Creator console").click()
    page.get_by_role("link", name="New campaign").click()
    new_form = re.sub(r"^https?://[^/]+", "", page.url)
    expect_text(page, "Pledges are collected only if they reach the goal by the deadline")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill("A press for the village's posters.")
    page.get_by_label("Goal").fill("500")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Deadline").fill(LOCAL.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone").select_option("Asia/Jakarta")
    page.get_by_label("All or nothing").check()
    page.locator("#tier_name_0").fill("A postcard")
    page.locator("#tier_min_0").fill("10")
    page.locator("#tier_description_0").fill("A postcard pulled on the press.")
    page.locator("#tier_month_0").fill(MONTH)

    # A second tier, without JavaScript: the form comes back with what was typed.
    page.get_by_role("button", name="Add a tier").click()
    expect(page.locator("#tier_name_0")).to_have_value("A postcard")
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Jakarta")
    utc = LOCAL - timedelta(hours=7)
    expect_text(page, f"That is {utc:%Y-%m-%d %H:%M} UTC.")
    page.locator("#tier_name_1").fill("A print")
    page.locator("#tier_min_1").fill("25")
    page.locator("#tier_description_1").fill("A signed print.")
    page.locator("#tier_month_1").fill(MONTH)
    journey.check_accessibility(creator, "new campaign with two tiers")
    page.get_by_role("button", name="Create", exact=True).click()
    expect_text(page, "is saved")
    expect_text(page, f"Asia/Jakarta, {utc:%Y-%m-%d %H:%M} UTC")

    row = page.get_by_role("row").filter(has_text=title)
    row.get_by_role("button", name="Launch").click()
    expect_text(page, "is live")
    page.get_by_role("link", name=title).click()
    campaign_id = re.search(r"/console/campaigns/([0-9a-f-]{36})", page.url).group(1)  # type: ignore[union-attr]

    # After launch: the story and a tier's words, never the amounts.
    page.get_by_role("link", name="Edit the story and tiers").click()
    revise_form = re.sub(r"^https?://[^/]+", "", page.url)
    expect(page.get_by_label("Goal")).to_have_count(0)
    page.get_by_label("Description").fill("A press for posters, and now a bindery too.")
    page.locator("#tier_description_1").fill("A signed and numbered print.")
    page.get_by_role("button", name="Save the new version").click()
    expect_text(page, "is revised")

    reader = open_browser()
    public = reader.page
    public.goto(f"/campaigns/{campaign_id}")
    expect_text(public, "A press for posters, and now a bindery too.")
    expect_text(public, "A signed and numbered print.")
    month = format_date(datetime.strptime(MONTH, "%Y-%m"), "LLLL y", locale="en")
    expect_text(public, f"Estimated delivery: {month}")
    public.get_by_role("link", name=re.compile("see what changed")).click()
    expect(public.get_by_role("heading", level=1)).to_contain_text("History of")
    expect_text(public, "A press for the village's posters.")
    expect_text(public, "A press for posters, and now a bindery too.")
    expect_text(public, "The story changed.")
    expect_text(public, "The description of the tier “A print” changed.")
    history = re.sub(r"^https?://[^/]+", "", public.url)
    journey.check_accessibility(reader, "campaign history")

    # The same pages on a 360 px phone, then widened to a laptop.
    problems: list[str] = []
    for person, paths in (
        (creator, {"new campaign": new_form, "revise": revise_form}),
        (reader, {"campaign": f"/campaigns/{campaign_id}", "history": history}),
    ):
        for name, path in paths.items():
            person.page.set_viewport_size(PHONE)
            person.page.goto(path)
            found = layout_problems(person.page) + accessibility_violations(person.page, axe_source)
            problems += [f"{name} on a phone: {p}" for p in found]
            person.page.set_viewport_size(DESKTOP)
            problems += [f"{name} on a laptop: {p}" for p in layout_problems(person.page)]
        assert person.console_errors == [], person.console_errors
    assert problems == []
