"""The creator console and "My pledges" against the real services: a campaign made through the
form, launched and cancelled with CSRF-checked buttons, and who may open which page."""

from __future__ import annotations

import dataclasses
import html
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.factories import bearer, ready_payout_account
from tests.integration.site.site_support import Stack, confirm, csrf_of
from tests.payment_gateways import MovingGateway

#: A deadline a month away, as a `datetime-local` input sends it (read as UTC).
DEADLINE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


def _form(csrf: str, **overrides: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "title": "Cider press",
        "description": "A press for the village orchard.",
        "goal": "5,000.50",
        "currency": "EUR",
        "deadline": DEADLINE,
        "funding_model": "flexible",
        "tier_name_0": "A bottle",
        "tier_min_0": "25",
        "tier_limit_0": "100",
        "tier_name_1": "A case",
        "tier_min_1": "120.50",
        "budget_category_0": "equipment",
        "budget_amount_0": "4000",
    }
    data.update(overrides)
    return data


def _own_campaigns(stack: Stack, token: str) -> list[dict[str, Any]]:
    listing = stack.pledges.get("/api/v1/campaigns", headers=bearer(token)).get_json()
    me = stack.pledges.get("/api/v1/me", headers=bearer(token)).get_json()
    return [c for c in listing["campaigns"] if c["creator_id"] == me["account_id"]]


def _creator(stack: Stack) -> tuple[str, FlaskClient, str]:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    page = client.get("/console/new").get_data(as_text=True)
    return token, client, page


def test_a_creator_creates_launches_and_lists_a_campaign_through_the_console(
    stack: Stack,
) -> None:
    token, client, page = _creator(stack)
    for label in ("Title", "Description", "Goal", "Currency", "Deadline", "Flexible"):
        assert f">{label}</label>" in page
    assert ">All or nothing</label>" in page
    # One row of each to start with; "Add a tier" adds more (test_site_campaign_form.py).
    assert page.count(">Tier name</label>") == 1
    assert page.count(">Budget category<") == 1
    assert '<button type="submit">Create</button>' in page

    created = client.post("/console/new", data=_form(csrf_of(page)), follow_redirects=True)

    assert created.status_code == 200
    text = created.get_data(as_text=True)
    assert "Your draft “Cider press” is saved." in text
    [campaign] = _own_campaigns(stack, token)
    assert campaign["status"] == "draft"
    assert campaign["goal_amount"] == 500_050
    assert campaign["currency"] == "EUR"
    assert campaign["funding_model"] == "flexible"
    assert campaign["deadline"].startswith(f"{DEADLINE}:00")
    assert [(t["name"], t["min_amount"], t["limit"]) for t in campaign["tiers"]] == [
        ("A bottle", 2_500, 100),
        ("A case", 12_050, None),
    ]
    assert campaign["budget"] == [{"category": "equipment", "amount": 400_000}]
    assert "Cider press" in text and "draft" in text
    assert '<button type="submit">Launch</button>' in text

    launched = client.post(
        f"/console/campaigns/{campaign['id']}/launch",
        data={"csrf_token": csrf_of(text)},
        follow_redirects=True,
    )

    assert "“Cider press” is launched: it is live." in launched.get_data(as_text=True)
    assert _own_campaigns(stack, token)[0]["status"] == "live"
    stack.relay()
    assert "Cider press" in stack.site_client().get("/").get_data(as_text=True)


def test_a_creator_cancels_a_live_campaign_from_the_console(stack: Stack) -> None:
    _, token = stack.account("creator")
    made = stack.campaign(token, title="Bee hives")
    client = stack.site_client(token, role="creator")
    page = client.get("/console").get_data(as_text=True)
    assert "Bee hives" in page and "live" in page
    assert '<button type="submit">Launch</button>' not in page

    confirm_path = f"/console/campaigns/{made['id']}/cancel"
    # Cancel is a red link to what cancelling does, never a button that does it.
    assert f'<a class="button danger" href="{confirm_path}"' in page
    confirmation = client.get(confirm_path)
    assert confirmation.status_code == 200
    text = html.unescape(confirmation.get_data(as_text=True))
    assert "<h1>Cancel “Bee hives”?</h1>" in text
    assert "Nobody has pledged yet, so no pledge is released." in text
    assert "This can never be undone" in text
    assert '<a href="/console">No, keep the campaign</a>' in text

    cancelled = confirm(client, text, follow_redirects=True)

    assert "“Bee hives” is cancelled." in cancelled.get_data(as_text=True)
    assert _own_campaigns(stack, token)[0]["status"] == "cancelled"


def test_a_cancel_without_its_confirmation_changes_nothing(stack: Stack) -> None:
    _, token = stack.account("creator")
    made = stack.campaign(token, title="Bee hives")
    client = stack.site_client(token, role="creator")
    page = client.get("/console").get_data(as_text=True)

    # The old one-click form, or one forged with this session's token: sent to the page that
    # asks, and the campaign stays live.
    for data in ({"csrf_token": csrf_of(page)}, {"csrf_token": csrf_of(page), "confirm": "no"}):
        answer = client.post(f"/console/campaigns/{made['id']}/cancel", data=data)
        assert answer.status_code == 303
        assert answer.headers["Location"] == f"/console/campaigns/{made['id']}/cancel"
        assert _own_campaigns(stack, token)[0]["status"] == "live"
    # The confirmation itself still needs the session's CSRF token.
    forged = client.post(f"/console/campaigns/{made['id']}/cancel", data={"confirm": "yes"})
    assert forged.status_code == 400
    assert _own_campaigns(stack, token)[0]["status"] == "live"


def test_the_console_shows_only_the_creators_own_campaigns(stack: Stack) -> None:
    _, other = stack.account("creator")
    stack.campaign(other, title="Someone else's")
    stack.campaign(other, launch=False, title="Their secret draft")
    _, token = stack.account("creator")
    stack.campaign(token, launch=False, title="My own draft")

    page = stack.site_client(token, role="creator").get("/console").get_data(as_text=True)

    assert "My own draft" in page
    assert "Someone else" not in page and "Their secret draft" not in page


def test_a_campaign_form_without_the_csrf_token_is_refused_and_writes_nothing(
    stack: Stack,
) -> None:
    token, client, page = _creator(stack)

    missing = client.post("/console/new", data=_form(""))
    forged = client.post("/console/new", data=_form("guess"))

    for refused in (missing, forged):
        assert refused.status_code == 400
        assert "This form has expired or was not sent from this site" in refused.get_data(
            as_text=True
        )
    assert _own_campaigns(stack, token) == []


def test_a_launch_without_the_csrf_token_is_refused(stack: Stack) -> None:
    _, token = stack.account("creator")
    made = stack.campaign(token, launch=False)
    client = stack.site_client(token, role="creator")

    refused = client.post(f"/console/campaigns/{made['id']}/launch", data={})

    assert refused.status_code == 400
    assert _own_campaigns(stack, token)[0]["status"] == "draft"


def test_bad_fields_are_shown_next_to_them_with_the_values_kept(stack: Stack) -> None:
    token, client, page = _creator(stack)

    response = client.post(
        "/console/new",
        data=_form(csrf_of(page), goal="12.345", deadline="soon", tier_limit_0="lots"),
    )

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert '<p class="error" id="goal-error1">EUR amounts have at most 2 decimals.</p>' in text
    assert 'id="deadline-error1">Enter the deadline as a date and time' in text
    assert 'id="tier_limit_0-error1">Enter a whole number of backers' in text
    assert 'value="Cider press"' in text and 'value="12.345"' in text
    assert _own_campaigns(stack, token) == []


def test_an_api_refusal_is_shown_next_to_its_field(stack: Stack) -> None:
    token, client, page = _creator(stack)

    response = client.post("/console/new", data=_form(csrf_of(page), deadline="2001-01-01T00:00"))

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="deadline-error1"' in text
    assert 'value="2001-01-01T00:00"' in text
    assert _own_campaigns(stack, token) == []


def test_a_backer_sees_their_pledges(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press")
    _, backer = stack.account("backer")
    pledged = stack.pledges.post(
        f"/api/v1/campaigns/{campaign['id']}/pledges",
        json={"amount": 2_550},
        headers={**bearer(backer), "Idempotency-Key": "k1"},
    )
    assert pledged.status_code == 201, pledged.get_json()
    client = stack.site_client(backer)

    page = client.get("/my/pledges").get_data(as_text=True)

    assert f'<a href="/campaigns/{campaign["id"]}">Cider press</a>' in page
    assert "€25.50" in page and "pledged" in page
    assert '<a href="/my/pledges">My pledges</a>' in client.get("/").get_data(as_text=True)


def test_only_creators_open_the_console_and_only_backers_my_pledges(stack: Stack) -> None:
    _, backer = stack.account("backer")
    _, creator = stack.account("creator")

    as_backer = stack.site_client(backer).get("/console")
    as_creator = stack.site_client(creator, role="creator").get("/my/pledges")
    anonymous = stack.site_client().get("/console")

    assert as_backer.status_code == 403
    assert "Only creators can open this page" in as_backer.get_data(as_text=True)
    assert as_creator.status_code == 403
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=/console")
    assert stack.site_client(backer).post("/console/new", data={}).status_code in (400, 403)


def test_where_money_moves_stripes_refusal_is_shown_next_to_the_tier_it_is_about(
    stack: Stack,
) -> None:
    pledges = stack.apps["pledges"]
    pledges.extensions["fundtrail"] = dataclasses.replace(
        pledges.extensions["fundtrail"], payment_gateway=MovingGateway
    )
    token, client, page = _creator(stack)

    # The second tier asks for 0.25 EUR: less than Stripe's smallest charge in EUR.
    response = client.post("/console/new", data=_form(csrf_of(page), tier_min_1="0.25"))

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="tier_min_1-error1"' in text
    assert "must be at least €0.50: the smallest amount Stripe can charge in EUR" in text
    assert 'value="0.25"' in text
    assert _own_campaigns(stack, token) == []


def test_a_test_mode_draft_stripe_could_not_charge_is_not_launched_and_says_which_field(
    stack: Stack,
) -> None:
    creator_id, creator = stack.account("creator")
    tiers = [{"name": "A bottle", "min_amount": 2_500}, {"name": "A sticker", "min_amount": 25}]
    draft = stack.campaign(creator, launch=False, title="Bee hives", tiers=tiers)
    ready_payout_account(stack.apps["pledges"], creator_id)
    pledges = stack.apps["pledges"]
    pledges.extensions["fundtrail"] = dataclasses.replace(
        pledges.extensions["fundtrail"], payment_gateway=MovingGateway
    )
    client = stack.site_client(creator)
    page_path = f"/console/campaigns/{draft['id']}"
    page = client.get(page_path).get_data(as_text=True)

    refused = client.post(
        f"{page_path}/launch", data={"csrf_token": csrf_of(page), "back": "campaign"}
    )

    after = html.unescape(client.get(refused.headers["Location"]).get_data(as_text=True))
    assert (
        "The second tier's minimum must be at least €0.50: the smallest amount Stripe can "
        "charge in EUR."
    ) in after
    assert "<strong>draft</strong>" in after
