"""People are told, in a real browser over the real broker, by the mail in the Maildir: a backer
pledges and finds their pledge's mail; the creator finds the new-pledge mail, stops that kind
with its one-click link (checked on a laptop and a 360 px phone) and gets no more of it while
questions would still come; a partial refund mails the backer the amount of the whole and the
reason; a retracted update that was mailed is followed by a notice with the reason."""

from __future__ import annotations

import mailbox
import re
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

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

pytestmark = pytest.mark.kafka


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def on_phone_and_laptop(person: Person, axe_source: str, name: str) -> None:
    """The page as it stands fits a 360 px phone (axe-core finds nothing) and a laptop."""
    page = person.page
    page.set_viewport_size(PHONE)
    found = layout_problems(page) + accessibility_violations(page, axe_source)
    page.set_viewport_size(DESKTOP)
    found += layout_problems(page) + accessibility_violations(page, axe_source)
    assert found == [], f"{name}: {found}"
    assert person.console_errors == [], f"{name}: {person.console_errors}"


def test_pledges_refunds_and_retractions_are_mailed_and_new_pledge_mail_can_be_stopped(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    from services.updates.mail.account_mail import AccountMailSender

    live = live_fundtrail
    journey = Journey(live, axe_source, tmp_path)
    title = f"Pinhole cameras {uuid.uuid4().hex[:6]}"

    creator = open_browser()
    creator_address = journey.sign_up(creator, "Maker", "Creator")
    journey.confirm_address(creator, creator_address)
    journey.create_campaign(creator, title, tier="Early bird")
    creator.page.get_by_role("row").filter(has_text=title).get_by_role(
        "button", name="Launch"
    ).click()
    expect_text(creator.page, "is live")

    # A backer pledges €45 for the tier, in the browser, and finds the mail.
    bea = open_browser()
    bea_address = journey.sign_up(bea, "Bea", "Backer")
    journey.confirm_address(bea, bea_address)
    page = bea.page
    page.goto("/")
    page.get_by_role("link", name=title).click()
    campaign_path = re.sub(r"^https?://[^/]+", "", page.url)
    page.get_by_label("Amount").fill("45")
    page.get_by_label("Tier", exact=True).select_option(index=1)
    page.get_by_role("button", name="Pledge").click()
    expect_text(page, "Your pledge of €45.00 is recorded")
    receipt = live.mail_to(bea_address, f"Your pledge to {title}")
    said = text_of(receipt)
    assert f"Your pledge of €45.00, tier “Early bird” to {title} is recorded." in said
    assert f"{live.url}{campaign_path}\n" in said
    assert receipt["List-Unsubscribe"] is None  # the backer's own pledge: transactional

    # The creator is told, and stops new-pledge mail: first the link in a browser (a page
    # with a button, nothing changed), then the one-click POST a mail client makes.
    news = live.mail_to(creator_address, f"New pledge to {title}")
    assert "€45.00" in str(news["Subject"]) and "tier “Early bird”" in text_of(news)
    assert news["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(news["List-Unsubscribe"]).strip("<>")
    assert link in text_of(news)
    # Served here on a port of its own, not at the updates service's public address.
    served = live.service_urls["updates"] + "/" + link.split("/", 3)[3]
    page = creator.page
    page.goto(served)
    expect(page.get_by_role("heading", level=1)).to_have_text("Stop e-mails about a campaign")
    expect_text(page, f"Stop e-mails about new pledges to {title}?")
    expect_text(page, "Mail about questions from your backers still comes.")
    on_phone_and_laptop(creator, axe_source, "unsubscribe page")
    one_click = urllib.request.Request(
        served,
        data=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(one_click, timeout=10) as answer:  # noqa: S310 (our own server)
        assert answer.status == 200
        assert "no more e-mails about new pledges to" in answer.read().decode()
    page.get_by_role("button", name="Unsubscribe").click()  # again, by hand: changes nothing
    expect(page.get_by_role("heading", level=1)).to_have_text("Unsubscribed")
    on_phone_and_laptop(creator, axe_source, "unsubscribed page")

    # A second backer pledges €500 (the goal is reached): the creator gets no mail of it, even
    # once the hour that gathers new pledges is over.
    cy = open_browser()
    journey.sign_up(cy, "Cy", "Backer")
    cy.page.goto(campaign_path)
    cy.page.get_by_label("Amount").fill("500")
    cy.page.get_by_role("button", name="Pledge").click()
    expect_text(cy.page, "Your pledge of €500.00 is recorded")
    updates = live.system.apps["updates"].extensions["fundtrail"]
    notices = updates.tables["pledge_notices"]

    # Of this campaign: the topics are shared with every test running beside this one, and
    # this updates service hears their pledges too.
    campaign_id = uuid.UUID(campaign_path.rsplit("/", 1)[1])

    def both_pledges_heard() -> bool:
        heard = sa.select(sa.func.count()).where(notices.c.campaign_id == campaign_id)
        with updates.engine.connect() as connection:
            return connection.execute(heard).scalar() == 2

    eventually(both_pledges_heard)
    later = datetime.now(UTC) + timedelta(hours=2)
    AccountMailSender(
        updates.engine,
        updates.mailer,
        updates.updates_settings,
        lambda: later,
        updates.link_opener,
        updates.unsubscribe_tokens,
    ).run_round()
    account_mail = updates.tables["account_mail"]
    with updates.engine.connect() as connection:
        stopped = connection.execute(
            sa.select(account_mail.c.status, account_mail.c.last_error).where(
                account_mail.c.purpose == "new_pledges", account_mail.c.campaign_id == campaign_id
            )
        ).all()
    assert sorted(tuple(row) for row in stopped) == [
        ("dropped", "unsubscribed"),
        ("sent", None),
    ], stopped
    # The campaign succeeds; the creator refunds €10 of Bea's €45, with a reason.
    live.pass_deadlines(timedelta(days=2))
    page = creator.page
    page.goto(campaign_path)
    page.get_by_role("link", name="Manage this campaign").click()
    row = page.get_by_role("row").filter(has_text="Bea")
    row.get_by_label(re.compile("^Refund amount")).fill("10")
    row.get_by_label(re.compile("^Reason")).fill("The lens batch was short by one.")
    row.get_by_role("button", name="Refund").click()
    page.get_by_role("button", name="Refund €10.00").click()
    expect_text(page, "Refunded €10.00")
    refund = text_of(live.mail_to(bea_address, "was refunded"))
    assert f"€10.00 of €45.00 was refunded of your pledge to {title}." in refund
    assert "> The lens batch was short by one." in refund

    # An update is mailed to the backers; its retraction follows it, with the reason.
    page.goto(campaign_path)
    page.get_by_role("link", name="New update").click()
    page.get_by_label("Title").fill("Cameras ship Monday")
    page.get_by_label("Body").fill("Boxes are packed.")
    page.get_by_role("button", name="Publish").click()
    expect_text(page, "Your update is published")
    live.mail_to(bea_address, "Cameras ship Monday")
    page.goto(campaign_path)
    page.get_by_role("link", name="Your updates").click()
    page.get_by_label(re.compile("^Reason")).first.fill("The carrier postponed to May.")
    page.get_by_role("button", name="Retract").first.click()
    page.get_by_role("button", name="Retract the update for good").click()
    expect_text(page, "The update is retracted")
    notice = live.mail_to(bea_address, "Retracted: “Cameras ship Monday”")
    said = text_of(notice)
    assert "> The carrier postponed to May." in said
    assert f"{live.url}{campaign_path}/updates/" in said
    assert notice["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Of all the creator's mail, one told of new pledges: the first.
    box = mailbox.Maildir(live.mail_dir, create=False)
    found = [
        message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()
    ]
    told = [m for m in found if m["To"] == creator_address and "pledge" in str(m["Subject"])]
    assert [m["Subject"] for m in told] == [news["Subject"]]
    for person in (creator, bea, cy):
        assert person.console_errors == [], person.console_errors
