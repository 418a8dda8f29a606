"""The payments story in a real browser, with money moving through stripe-mock: a creator
connects a payout account and launches; three backers pledge and save cards on Stripe's
Checkout; at settlement one payment succeeds, one card is declined and one bank asks for the
backer; the declined backer saves a new card and pays, the other lets the grace period pass
and the pledge drops; the creator refunds part of one payment, and a backer disputes another.

Stripe's hosted pages (Connect onboarding, Checkout) cannot be reached offline: the browser's
requests to Stripe's hosts are answered as those pages answer a person who finishes them, by
sending them back where the site asked. stripe-mock sends no webhooks: `fundtrail payments
trigger` plays each one, signed, into the served pledges service."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser.conftest import STRIPE, LiveFundtrail, Person
from tests.e2e.browser.test_browser_journey import Journey, expect_text
from tests.e2e.conftest import eventually

pytestmark = pytest.mark.kafka

#: Where Stripe's hosted pages live: Checkout, Connect onboarding (stripe-mock's fixture link
#: names a `*.stripe.me` host), as Chromium's DevTools protocol matches addresses.
STRIPE_PAGES = ("https://*.stripe.com/*", "https://*.stripe.me/*")
TEST_MODE_BANNER = "Test mode"


class StripeHostedPages:
    """Stands in for Stripe's hosted pages in one person's window: whoever the site sends there
    is sent back to `back_to` (the return address the site gave Stripe), as Stripe does once
    the person finishes the page.

    The site reaches Stripe by answering a form with a redirect, and Playwright's `page.route`
    never sees a redirect's next request; the DevTools protocol's Fetch domain does. The
    browser still judges the redirect itself, so a CSP that forbids the form to lead to
    Stripe fails here as it would for a person."""

    def __init__(self, person: Person) -> None:
        self.visited: list[str] = []
        self.back_to = ""
        self._session = person.page.context.new_cdp_session(person.page)
        self._session.on("Fetch.requestPaused", self._answer)
        patterns = [{"urlPattern": page, "requestStage": "Request"} for page in STRIPE_PAGES]
        self._session.send("Fetch.enable", {"patterns": patterns})

    def _answer(self, event: dict[str, Any]) -> None:
        self.visited.append(event["request"]["url"])
        self._session.send(
            "Fetch.fulfillRequest",
            {
                "requestId": event["requestId"],
                "responseCode": 303,
                "responseHeaders": [{"name": "Location", "value": self.back_to}],
            },
        )

    def finish(self, page: Any, button: str, back_to: str) -> str:
        """Press `button`, go through Stripe's page and come back: the Stripe address visited."""
        self.back_to = back_to
        before = len(self.visited)
        with page.expect_navigation(url=back_to):
            page.get_by_role("button", name=button).click()
        assert len(self.visited) == before + 1, self.visited
        return self.visited[-1]


def took_effect(output: str) -> None:
    """The played event was taken in and changed something."""
    assert re.search(r": took effect$", output, re.MULTILINE), output


def pledge_id_on(page: Any) -> str:
    """The signed-in backer's pledge on this campaign page, from its card form's address."""
    action = page.locator("form.save-card").first.get_attribute("action")
    found = re.search(r"/pledges/([0-9a-f-]{36})/card$", action or "")
    assert found, action
    return found.group(1)


@pytest.mark.parametrize("live_fundtrail", [STRIPE], indirect=True)
def test_pledges_paid_declined_fixed_dropped_refunded_and_disputed(
    live_fundtrail: LiveFundtrail, open_browser: Any, axe_source: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    live = live_fundtrail
    journey = Journey(live, axe_source, tmp_path)
    title = f"Community oven {uuid.uuid4().hex[:6]}"

    # 1. A creator signs up and drafts a campaign; without a payout account it cannot launch.
    creator = open_browser()
    creator_address = journey.sign_up(creator, "Maker", "Creator")
    journey.confirm_address(creator, creator_address)
    journey.create_campaign(creator, title)
    page = creator.page
    expect(page.locator("header")).not_to_contain_text(TEST_MODE_BANNER)
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
    expect_text(page, "Connect a payout account before launching")
    page.get_by_role("link", name="Set up payouts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Payouts")
    journey.check_accessibility(creator, "console payouts")
    onboarding = StripeHostedPages(creator).finish(
        page, "Set up payouts", f"{live.url}/console/payouts"
    )
    assert "/setup/" in onboarding, onboarding
    # Back from Stripe, before Stripe has said the account can take charges.
    payouts = page.locator("#payouts")
    expect(payouts).to_contain_text("Not enabled yet: your campaigns cannot launch")
    expect(payouts.get_by_role("button", name="Finish setting up payouts")).to_be_visible()
    journey.check_accessibility(creator, "console payouts, after onboarding")
    page.get_by_role("link", name="Back to your campaigns").click()
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
    expect_text(page, "Connect a payout account before launching")
    expect_text(page, "can accept charges")
    expect(page.get_by_role("link", name="Set up payouts")).to_be_visible()

    # Stripe says the account is ready: the console says so, and the campaign launches.
    output = live.trigger("payouts-ready", "--creator", creator_address)
    assert "account.updated" in output and "took effect" in output, output
    page.get_by_role("link", name="Set up payouts").click()
    expect(payouts).to_contain_text("Enabled: your campaigns can launch")
    expect(payouts.get_by_role("button", name="Update payout details")).to_be_visible()
    page.get_by_role("link", name="Back to your campaigns").click()
    page.get_by_role("row").filter(has_text=title).get_by_role("button", name="Launch").click()
    expect_text(page, "is live")

    # 2. Three backers pledge and save a card each on Stripe's Checkout.
    page.goto("/")
    page.get_by_role("link", name=title).click()
    campaign_path = re.sub(r"^https?://[^/]+", "", page.url)
    campaign_url = f"{live.url}{campaign_path}"
    backers: dict[str, tuple[Person, str, str, StripeHostedPages]] = {}
    for name, amount in (("Ada", "300"), ("Bea", "200"), ("Cy", "100")):
        backer = open_browser()
        address = journey.sign_up(backer, name, "Backer")
        journey.confirm_address(backer, address)
        page = backer.page
        page.goto(campaign_path)
        # Money moves here: no page may say it does not.
        expect(page.locator("body")).not_to_contain_text(TEST_MODE_BANNER)
        page.get_by_label("Amount").fill(amount)
        page.get_by_role("button", name="Pledge").click()
        expect_text(page, f"Your pledge of €{amount}.00 is recorded")
        expect_text(page, "Save a card to complete your pledge")
        stripe = StripeHostedPages(backer)
        checkout = stripe.finish(page, "Save a card", f"{campaign_url}?card=saving")
        assert checkout.startswith("https://checkout.stripe.com/"), checkout
        expect_text(page, "your card is being saved")
        pledge_id = pledge_id_on(page)
        took_effect(live.trigger("card-saved", "--pledge", pledge_id))
        page.goto(campaign_path)
        expect_text(page, "Card saved: it is charged only if the campaign succeeds")
        expect(page.get_by_role("button", name="Replace card")).to_be_visible()
        backers[name] = (backer, address, pledge_id, stripe)
    journey.check_accessibility(backers["Ada"][0], "campaign, card saved")

    # 3. The deadline passes: settlement charges each saved card through Stripe (stripe-mock),
    # and the pledges wait for Stripe's word. Ada's payment succeeds, Bea's card is declined,
    # Cy's bank asks for Cy.
    live.pass_deadlines(timedelta(days=2))
    for name in backers:
        page = backers[name][0].page
        page.get_by_role("link", name="My pledges").click()
        expect(page.get_by_role("row").filter(has_text=title)).to_contain_text("collecting")
    took_effect(live.trigger("payment-succeeded", "--pledge", backers["Ada"][2]))
    took_effect(live.trigger("payment-failed", "--pledge", backers["Bea"][2]))
    took_effect(live.trigger("requires-action", "--pledge", backers["Cy"][2]))

    reasons = {
        "Bea": "the card was declined",
        "Cy": "the card's bank asked for the payment to be confirmed",
    }
    for name, reason in reasons.items():
        backer, address, _, _ = backers[name]
        mail = live.mail_to(address, "did not go through")
        text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert reason in text and "You can fix it until" in text, text
        assert TEST_MODE_BANNER.lower() not in text.lower(), text
        page = backer.page
        page.goto(live.link_in_mail(address, "did not go through"))
        assert page.url == campaign_url
        failed = page.locator(
            "section", has=page.get_by_role("heading", name="Your payment did not go through")
        )
        expect(failed).to_contain_text(reason)
        expect(failed).to_contain_text("Save a new card by")
        expect(failed.get_by_role("button", name="Save a new card")).to_be_visible()
    journey.check_accessibility(backers["Bea"][0], "campaign, payment failed")

    # The creator's console: every pledge's state, and the unpaid ones with why and until when.
    page = creator.page
    page.goto(campaign_path)
    page.get_by_role("link", name="Manage this campaign").click()
    pledges = page.get_by_role("table").filter(has_text="Ada")
    expect(pledges.get_by_role("row").filter(has_text="Ada")).to_contain_text("collected")
    expect(pledges.get_by_role("row").filter(has_text="Bea")).to_contain_text("payment failed")
    expect(pledges.get_by_role("row").filter(has_text="Cy")).to_contain_text("payment failed")
    unpaid = page.locator("section", has=page.get_by_role("heading", name="Unpaid pledges"))
    expect(unpaid.locator("dl.figures")).to_contain_text("€300.00 (2 pledges)")
    for name, reason in reasons.items():
        expect(unpaid.get_by_role("row").filter(has_text=name)).to_contain_text(
            reason, ignore_case=True
        )
    journey.check_accessibility(creator, "console campaign, unpaid pledges")

    # 4. Bea saves a new card: the payment is tried again, and Stripe takes it this time.
    bea, _, bea_pledge, stripe = backers["Bea"]
    page = bea.page
    stripe.finish(page, "Save a new card", f"{campaign_url}?card=saving")
    expect_text(page, "your card is being saved")
    took_effect(live.trigger("card-saved", "--pledge", bea_pledge))
    page.get_by_role("link", name="My pledges").click()
    expect(page.get_by_role("row").filter(has_text=title)).to_contain_text("collecting")
    took_effect(live.trigger("payment-succeeded", "--pledge", bea_pledge))
    page.reload()
    expect(page.get_by_role("row").filter(has_text=title)).to_contain_text("collected")

    # Cy does nothing: after the grace period the settler drops the pledge, and says so.
    live.pass_deadlines(timedelta(days=10))
    cy, cy_address, _, _ = backers["Cy"]
    dropped = live.mail_to(cy_address, "was dropped")
    assert "No money was taken" in dropped.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    cy.page.get_by_role("link", name="My pledges").click()
    expect(cy.page.get_by_role("row").filter(has_text=title)).to_contain_text("dropped")

    # 5. The creator refunds €50 of Ada's €300 through Stripe; Stripe confirms it.
    page = creator.page
    page.goto(campaign_path)
    page.get_by_role("link", name="Manage this campaign").click()
    # Bea paid, Cy's pledge dropped: nothing is owed any more, and the console says why Cy's went.
    unpaid = page.locator("section", has=page.get_by_role("heading", name="Unpaid pledges"))
    expect(unpaid.locator("dl.figures")).to_contain_text("€0.00 (0 pledges)")
    expect(unpaid.locator("dl.figures")).to_contain_text("€100.00 (1 pledge)")
    expect(unpaid.get_by_role("row").filter(has_text="Cy")).to_contain_text(
        reasons["Cy"], ignore_case=True
    )
    expect(unpaid.get_by_role("row").filter(has_text="Bea")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Ada")
    row.get_by_label(re.compile("^Refund amount")).fill("50")
    row.get_by_label(re.compile("^Reason")).fill("One brick fewer")
    row.get_by_role("button", name="Refund").click()
    # Asked first, in figures, before anything reaches Stripe.
    expect_text(page, "€50.00 of the €300.00 pledge; €250.00 of it is not refunded.")
    page.get_by_role("button", name="Refund €50.00").click()
    expect_text(page, "Refunded €50.00")
    # charge.refunded checks Stripe's total against ours and changes nothing: they agree.
    output = live.trigger("refunded", "--pledge", backers["Ada"][2])
    assert "stripe.refund_confirmed" in output and "refund_mismatch" not in output, output

    # Bea disputes her payment with her bank: the public books hold €200 back, and the creator
    # is told.
    output = live.trigger("dispute-opened", "--pledge", bea_pledge)
    assert "charge.dispute.created" in output and "took effect" in output, output
    reader = open_browser()
    page = reader.page

    def disputed_shown() -> bool:
        page.goto(campaign_path)
        # Under load the ledger may answer the site too late for one page: no figures then.
        figures = page.locator("dl.figures")
        return figures.count() > 0 and "Held by disputes" in figures.inner_text()

    eventually(disputed_shown)
    figures = page.locator("dl.figures")
    expect(figures.locator("div", has_text="Held by disputes")).to_contain_text("€200.00")
    expect(figures.locator("div", has_text="Raised")).to_contain_text("€500.00")
    expect(figures.locator("div", has_text="Refunded")).to_contain_text("€50.00")
    # Stripe's card fee as the trigger plays it (2.9 % + 0.30: €9.00 on Ada's €300, €6.10 on
    # Bea's €200) and the platform's 5 % (€15.00 and €10.00), each an entry of its own.
    expect(figures.locator("div", has_text="Payment fees")).to_contain_text("€40.10")
    journey.check_accessibility(reader, "campaign, disputed")
    told = live.mail_to(creator_address, "is disputed")
    told_text = told.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "€200.00" in told_text and campaign_url in told_text, told_text

    for person in (creator, reader, *(b[0] for b in backers.values())):
        assert person.console_errors == [], person.console_errors
