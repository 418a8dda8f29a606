"""The console's payouts section against the real pledges service: test mode says no money
moves; where money moves, the payout account's state in words, the button to the provider's
set-up pages (stripe-mock), and a launch refusal that links to it."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Iterator

import pytest

from services.pledges import commands, handlers
from services.pledges.adapters.stripe_payments import StripePayments
from tests.integration.site.site_support import Stack, csrf_of
from tests.payment_gateways import MovingGateway
from tests.stripe_support import TEST_SECRET_KEY


@pytest.fixture
def moving(stack: Stack, stripe_mock: str) -> Iterator[Stack]:
    """The stack's pledges service settling through a gateway that moves money, with Stripe's
    account calls going to stripe-mock."""
    app = stack.apps["pledges"]
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"],
        payment_gateway=MovingGateway,
        payments=StripePayments(TEST_SECRET_KEY, api_base=stripe_mock, max_network_retries=0),
    )
    yield stack


def text_of(response: object) -> str:
    return html.unescape(response.get_data(as_text=True))  # type: ignore[attr-defined]


def test_in_test_mode_the_console_says_no_money_moves_and_offers_no_set_up(stack: Stack) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")

    page = text_of(client.get("/console"))

    assert '<h2 id="payouts-heading">Payouts</h2>' in page
    assert "This installation is in test mode: no card is charged and no money moves" in page
    assert "Set up payouts" not in page
    assert "test mode" in text_of(client.get("/console/payouts"))


def test_where_money_moves_launch_is_refused_with_a_link_then_the_creator_sets_up_payouts(
    moving: Stack,
) -> None:
    stack = moving
    creator_id, token = stack.account("creator")
    campaign = stack.campaign(token, launch=False, title="Cider press")
    client = stack.site_client(token, role="creator")

    console = client.get("/console")
    page = text_of(console)
    assert "Before you launch one, connect a payout account" in page
    assert '<button type="submit">Set up payouts</button>' in page

    refused = client.post(
        f"/console/campaigns/{campaign['id']}/launch",
        data={"csrf_token": csrf_of(console.get_data(as_text=True))},
        follow_redirects=True,
    )
    page = text_of(refused)
    assert "Connect a payout account before launching" in page
    assert '<a href="/console/payouts">Set up payouts</a>' in page
    assert (
        stack.pledges.get(
            f"/api/v1/campaigns/{campaign['id']}", headers={"Authorization": f"Bearer {token}"}
        ).get_json()["status"]
        == "draft"
    )

    # The button makes the account and sends the creator to the provider's pages.
    payouts = client.get("/console/payouts")
    started = client.post(
        "/console/payouts", data={"csrf_token": csrf_of(payouts.get_data(as_text=True))}
    )
    assert started.status_code == 303
    assert started.headers["Location"].startswith("https://")

    # Back from the provider: the account's state in words.
    dependencies = stack.apps["pledges"].extensions["fundtrail"]
    with dependencies.uow_factory() as uow:
        state = uow.payout_accounts.of_creator(creator_id)
    assert state is not None
    back = text_of(client.get("/console/payouts"))
    assert "Your details" in back and "Taking pledges" in back
    assert "Paying out to your bank" in back

    # Stripe enables charges: the launch goes through.
    handlers.payout_account_updated(
        commands.PayoutAccountUpdated(
            account_id=state.account_id,
            details_submitted=True,
            charges_enabled=True,
            payouts_enabled=True,
            occurred_at=stack.clock(),
        ),
        dependencies.uow_factory(),
    )
    launched = client.post(
        f"/console/campaigns/{campaign['id']}/launch",
        data={"csrf_token": csrf_of(back)},
        follow_redirects=True,
    )
    assert "“Cider press” is launched: it is live." in text_of(launched)


def test_backers_have_no_payouts_page(stack: Stack) -> None:
    _, token = stack.account("backer")
    response = stack.site_client(token).get("/console/payouts")
    assert response.status_code == 403
