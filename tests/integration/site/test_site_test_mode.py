"""Without a payment provider every page says plainly that it is in test mode and no money
moves; a campaign launched before real payments keeps saying so on its own page."""

from __future__ import annotations

import dataclasses
import re

from services.pledges.adapters.stripe_gateway import StripeGateway
from services.pledges.adapters.stripe_payments import StripePayments
from services.site.limits import PublishedLimits
from tests.factories import ready_payout_account
from tests.integration.site.site_support import Stack
from tests.stripe_support import TEST_SECRET_KEY

BANNER = re.compile(
    r'<div class="test-mode" role="status">\s*<p><strong>Test mode:</strong> pledges are '
    r"recorded, no money moves.</p>"
)
CAMPAIGN_LINE = (
    '<p class="test-mode" role="status"><strong>Test mode:</strong> this campaign\'s '
    "pledges are recorded, no money moves.</p>"
)


def switch_to_real_payments(stack: Stack) -> None:
    """The Stripe gateway, as `bootstrap` wires it with a key (nothing here charges, so its
    Stripe is an address nobody answers)."""
    payments = StripePayments(TEST_SECRET_KEY, api_base="http://127.0.0.1:9")
    pledges = stack.apps["pledges"]
    pledges.extensions["fundtrail"] = dataclasses.replace(
        pledges.extensions["fundtrail"], payment_gateway=lambda: StripeGateway(payments)
    )
    # A new process's cache: the site asks again (after a minute, in a running one).
    stack.site.extensions["site.limits"] = PublishedLimits(stack.site.extensions["site.services"])


def test_every_page_says_test_mode_while_no_money_moves(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Orchard cider press")
    visitor, creator_browser = stack.site_client(), stack.site_client(creator)

    pages = {
        "/": visitor,
        "/login": visitor,
        "/signup": visitor,
        f"/campaigns/{campaign['id']}": visitor,
        "/console": creator_browser,
        "/no-such-page": visitor,
    }
    for path, browser in pages.items():
        text = browser.get(path).get_data(as_text=True)
        assert len(BANNER.findall(text)) == 1, path
        # The site-wide banner says it all: no second line on the campaign page.
        assert CAMPAIGN_LINE not in text, path


def test_the_answer_is_asked_once_and_kept(stack: Stack) -> None:
    asked = []
    services = stack.site.extensions["site.services"]
    payments = services.pledges.payments

    def counted() -> dict[str, object]:
        asked.append(1)
        return payments()

    services.pledges.payments = counted
    try:
        for _ in range(3):
            assert BANNER.search(stack.site_client().get("/").get_data(as_text=True))
    finally:
        del services.pledges.payments
    assert len(asked) == 1


def test_with_real_payments_only_a_test_mode_campaign_says_so(stack: Stack) -> None:
    creator_id, creator = stack.account("creator")
    ready_payout_account(stack.apps["pledges"], creator_id)
    demo = stack.campaign(creator, title="Launched in test mode")
    switch_to_real_payments(stack)
    real = stack.campaign(creator, title="Launched with real payments")
    visitor = stack.site_client()

    home = visitor.get("/").get_data(as_text=True)
    assert "Test mode" not in home

    demo_page = visitor.get(f"/campaigns/{demo['id']}").get_data(as_text=True)
    assert CAMPAIGN_LINE in demo_page and not BANNER.search(demo_page)

    real_page = visitor.get(f"/campaigns/{real['id']}").get_data(as_text=True)
    assert "Launched with real payments" in real_page and "Test mode" not in real_page

    # The creator's console says the same of each.
    console = stack.site_client(creator)
    demo_console = console.get(f"/console/campaigns/{demo['id']}").get_data(as_text=True)
    assert "Launched in test mode" in demo_console and CAMPAIGN_LINE in demo_console
    real_console = console.get(f"/console/campaigns/{real['id']}").get_data(as_text=True)
    assert "Launched with real payments" in real_console and "Test mode" not in real_console


def test_when_the_pledges_service_does_not_answer_the_banner_stays(stack: Stack) -> None:
    services = stack.site.extensions["site.services"]
    pledges = services.pledges
    original = pledges.base_url
    pledges.base_url = "http://127.0.0.1:9"  # nothing listens there
    try:
        text = stack.site_client().get("/login").get_data(as_text=True)
    finally:
        pledges.base_url = original
    assert BANNER.search(text)
