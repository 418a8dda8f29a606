"""A backer saves a card for their pledge from the campaign page: the site asks the pledges
service for the payment provider's page (stripe-mock) and sends the backer there; back on the
page, it says the card is being saved, then saved. In test mode it says nothing about cards."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from services.pledges import commands, handlers
from services.pledges.adapters.stripe_payments import StripePayments
from tests.factories import bearer, ready_payout_account
from tests.integration.site.site_support import Stack, csrf_of
from tests.payment_gateways import PendingGateway
from tests.stripe_support import TEST_SECRET_KEY

CARD_WORDS = ("Save a card", "Card saved", "card is being saved", "Replace card")


class StripeLikeGateway(PendingGateway):
    """Settlement as it will be with Stripe: money moves, answers come later."""

    provider = "stripe"
    moves_money = True


def _with_stripe(stack: Stack, stripe_mock: str) -> None:
    app = stack.apps["pledges"]
    app.extensions["fundtrail"] = dataclasses.replace(
        app.extensions["fundtrail"],
        payments=StripePayments(TEST_SECRET_KEY, api_base=stripe_mock),
        payment_gateway=StripeLikeGateway,
    )


def _creator(stack: Stack) -> str:
    """A creator whose payout account takes charges: where money moves, only such launch."""
    creator_id, creator = stack.account("creator")
    ready_payout_account(stack.apps["pledges"], creator_id)
    return creator


def _pledged(stack: Stack) -> tuple[str, dict[str, Any], uuid.UUID, Any]:
    creator = _creator(stack)
    backer_id, backer = stack.account("backer")
    made = stack.campaign(creator, title="Cider press")
    response = stack.pledges.post(
        f"/api/v1/campaigns/{made['id']}/pledges", json={"amount": 2_500}, headers=bearer(backer)
    )
    assert response.status_code == 201, response.get_json()
    return made["id"], response.get_json(), backer_id, stack.site_client(backer)


def test_a_backer_is_sent_to_save_a_card_and_the_page_follows_it_to_card_saved(
    stack: Stack, stripe_mock: str
) -> None:
    _with_stripe(stack, stripe_mock)
    campaign_id, pledge, backer_id, client = _pledged(stack)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Save a card to complete your pledge" in page
    assert ">Save a card</button>" in page

    sent = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/card",
        data={"csrf_token": csrf_of(page)},
    )

    assert sent.status_code == 303
    assert sent.headers["Location"].startswith("https://")  # the provider's hosted page
    back = client.get(f"/campaigns/{campaign_id}?card=saving").get_data(as_text=True)
    assert "Thanks — your card is being saved" in back

    dependencies = stack.apps["pledges"].extensions["fundtrail"]
    pledge_id = uuid.UUID(pledge["id"])
    stored = handlers.pledge_for(pledge_id, backer_id, dependencies.uow_factory())
    assert stored.checkout_session_id is not None
    handlers.card_saved(
        commands.SaveCard(pledge_id, stored.checkout_session_id, "pm_card_visa", datetime.now(UTC)),
        dependencies.uow_factory(),
        dependencies.payment_gateway,
    )

    saved = client.get(f"/campaigns/{campaign_id}?card=saving").get_data(as_text=True)
    assert "Card saved: it is charged only if the campaign succeeds." in saved
    assert "being saved" not in saved and ">Replace card</button>" in saved
    assert "pm_card_visa" not in saved

    # Cancelling first says what becomes of the saved card (kept at the provider, never charged
    # for this pledge), and writes nothing until confirmed.
    asked = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/cancel",
        data={"csrf_token": csrf_of(saved)},
    ).get_data(as_text=True)
    assert (
        "<li>The card you saved for it is not charged. The payment provider keeps it on file, "
        "unused; a new pledge asks you to save a card again.</li>"
    ) in asked
    assert handlers.pledge_for(pledge_id, backer_id, dependencies.uow_factory()).is_active


def test_in_test_mode_the_page_says_nothing_of_cards_and_the_form_is_refused_in_words(
    stack: Stack,
) -> None:
    campaign_id, pledge, _, client = _pledged(stack)
    page = client.get(f"/campaigns/{campaign_id}").get_data(as_text=True)
    assert "Your pledge" in page
    assert not [words for words in CARD_WORDS if words in page]

    refused = client.post(
        f"/campaigns/{campaign_id}/pledges/{pledge['id']}/card",
        data={"csrf_token": csrf_of(page)},
    )

    assert refused.status_code == 409
    assert "test mode" in refused.get_data(as_text=True)


def test_a_failed_payment_is_fixed_with_a_new_card_and_asked_for_again(
    stack: Stack, stripe_mock: str
) -> None:
    _with_stripe(stack, stripe_mock)
    creator = _creator(stack)
    backer_id, backer = stack.account("backer")
    made = stack.campaign(creator, title="Cider press", funding_model="flexible")
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{made['id']}/pledges", json={"amount": 2_500}, headers=bearer(backer)
    ).get_json()
    stack.clock.travel(days=400)
    settled = stack.pledges.post(f"/api/v1/campaigns/{made['id']}/settle", headers=bearer(creator))
    assert settled.status_code == 200, settled.get_json()
    dependencies = stack.apps["pledges"].extensions["fundtrail"]
    pledge_id = uuid.UUID(pledged["id"])
    asked = handlers.pledge_for(pledge_id, backer_id, dependencies.uow_factory())
    assert asked.payment_reference is not None
    handlers.collection_failed(
        commands.CollectionFailed(pledge_id, asked.payment_reference, "card_declined"),
        dependencies.uow_factory(),
        dependencies.clock,
    )
    client = stack.site_client(backer)

    page = client.get(f"/campaigns/{made['id']}").get_data(as_text=True)
    assert "Your payment did not go through" in page
    # Why, and until when, in words: the provider's code is not shown.
    assert "for your pledge of €25.00: the card was declined. Save a new card by " in page
    assert ">Save a new card</button>" in page
    sent = client.post(
        f"/campaigns/{made['id']}/pledges/{pledged['id']}/card",
        data={"csrf_token": csrf_of(page)},
    )
    assert sent.status_code == 303 and sent.headers["Location"].startswith("https://")

    session = handlers.pledge_for(pledge_id, backer_id, dependencies.uow_factory())
    assert session.checkout_session_id is not None
    fixed = handlers.card_saved(
        commands.SaveCard(pledge_id, session.checkout_session_id, "pm_card_new", datetime.now(UTC)),
        dependencies.uow_factory(),
        dependencies.payment_gateway,
        dependencies.clock,
    )

    assert fixed.retried and fixed.pledge.collection_attempt == 2
    now = stack.pledges.get(f"/api/v1/pledges/{pledged['id']}", headers=bearer(backer))
    assert now.get_json()["payment_status"] == "collecting"
    after = client.get(f"/campaigns/{made['id']}").get_data(as_text=True)
    assert "did not go through" not in after
