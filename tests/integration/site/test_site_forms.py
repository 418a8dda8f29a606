"""The site's forms against the real services: pledging (CSRF and origin checks included),
sign-up, sign-in and sign-out, and field errors shown next to their fields."""

from __future__ import annotations

import html
import re
from typing import Any

import sqlalchemy as sa

from tests.factories import bearer
from tests.integration.site.site_support import Stack, csrf_of, error_in_focus

PASSWORD = "correct horse battery staple"


def _pledged(stack: Stack, campaign_id: str) -> tuple[int, int]:
    found = stack.pledges.get(f"/api/v1/campaigns/{campaign_id}").get_json()
    return found["pledged_amount"], found["backers_count"]


def _pledge_form(stack: Stack, backer: str) -> tuple[Any, str, str]:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press")
    client = stack.site_client(backer)
    page = client.get(f"/campaigns/{campaign['id']}").get_data(as_text=True)
    return client, campaign["id"], page


def test_a_backer_pledges_in_the_currencys_units_through_the_form(stack: Stack) -> None:
    _, backer = stack.account("backer")
    client, campaign_id, page = _pledge_form(stack, backer)
    assert '<label for="amount">Amount</label>' in page
    assert '<button type="submit">Pledge</button>' in page

    response = client.post(
        f"/campaigns/{campaign_id}/pledge",
        data={"csrf_token": csrf_of(page), "amount": "25.50", "tier_id": ""},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "Thank you! Your pledge of €25.50 is recorded." in response.get_data(as_text=True)
    assert _pledged(stack, campaign_id) == (2_550, 1)


def test_a_pledge_without_the_csrf_token_is_refused_and_writes_nothing(stack: Stack) -> None:
    _, backer = stack.account("backer")
    client, campaign_id, page = _pledge_form(stack, backer)

    missing = client.post(f"/campaigns/{campaign_id}/pledge", data={"amount": "25"})
    forged = client.post(
        f"/campaigns/{campaign_id}/pledge", data={"amount": "25", "csrf_token": "guess"}
    )
    elsewhere = client.post(
        f"/campaigns/{campaign_id}/pledge",
        data={"amount": "25", "csrf_token": csrf_of(page)},
        headers={"Origin": "https://evil.example"},
    )

    for refused in (missing, forged):
        assert refused.status_code == 400
        assert "This form has expired or was not sent from this site" in refused.get_data(
            as_text=True
        )
    assert elsewhere.status_code == 403
    assert "sent from another site" in elsewhere.get_data(as_text=True)
    assert _pledged(stack, campaign_id) == (0, 0)


def test_a_bad_amount_is_shown_next_to_its_field_with_the_value_kept(stack: Stack) -> None:
    _, backer = stack.account("backer")
    client, campaign_id, page = _pledge_form(stack, backer)

    response = client.post(
        f"/campaigns/{campaign_id}/pledge",
        data={"csrf_token": csrf_of(page), "amount": "25.505"},
    )

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert '<p class="error" id="amount-error1">EUR amounts have at most 2 decimals.</p>' in text
    assert re.search(r'<input id="amount" name="amount" type="text"\s+value="25.505"', text)
    assert 'aria-invalid="true"' in text
    error_in_focus(text, "amount")
    assert _pledged(stack, campaign_id) == (0, 0)


def test_an_api_refusal_is_shown_next_to_the_field(stack: Stack) -> None:
    _, backer = stack.account("backer")
    client, campaign_id, page = _pledge_form(stack, backer)
    tier = stack.pledges.get(f"/api/v1/campaigns/{campaign_id}").get_json()["tiers"][0]

    # Below the tier's minimum (30.00): the pledges service refuses, the site says so.
    response = client.post(
        f"/campaigns/{campaign_id}/pledge",
        data={"csrf_token": csrf_of(page), "amount": "5", "tier_id": tier["id"]},
    )

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'class="error"' in text
    assert f'<option value="{tier["id"]}" selected>' in text
    assert _pledged(stack, campaign_id) == (0, 0)


def test_only_signed_in_backers_see_the_pledge_form(stack: Stack) -> None:
    _, creator = stack.account("creator")
    campaign = stack.campaign(creator, title="Cider press")
    path = f"/campaigns/{campaign['id']}"

    anonymous = stack.site_client().get(path).get_data(as_text=True)
    as_creator = stack.site_client(creator).get(path).get_data(as_text=True)

    assert "Pledge</button>" not in anonymous and "sign up</a> as a backer to pledge" in anonymous
    assert "Pledge</button>" not in as_creator and "Only backers pledge" in as_creator


def test_sign_up_signs_in_and_sign_out_signs_out(stack: Stack) -> None:
    client = stack.site_client()
    page = client.get("/signup").get_data(as_text=True)
    for label in ("Name", "E-mail", "Password", "Backer", "Creator"):
        assert f">{label}</label>" in page
    assert '<button type="submit">Sign up</button>' in page

    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(page),
            "name": "Ada",
            "email": "ada@example.org",
            "password": PASSWORD,
            "role": "backer",
        },
        follow_redirects=True,
    )

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Signed in as ada@example.org (backer)" in text
    # The welcome survives the new session that signing in starts.
    assert "We sent you an e-mail: open its link to confirm your address." in text
    with client.session_transaction() as session:
        token = session["token"]
    assert stack.pledges.get("/api/v1/me", headers=bearer(token)).status_code == 200

    out = client.post("/logout", data={"csrf_token": csrf_of(text)}, follow_redirects=True)

    assert "You are signed out." in out.get_data(as_text=True)
    assert "Signed in as" not in out.get_data(as_text=True)
    # Signing out revoked the token at the pledges service, so a copied cookie is worthless.
    assert stack.pledges.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_sign_in_with_a_wrong_password_keeps_the_address_and_says_why(stack: Stack) -> None:
    stack.pledges.post(
        "/api/v1/signup",
        json={"name": "Bo", "email": "bo@example.org", "password": PASSWORD, "role": "creator"},
    )
    client = stack.site_client()
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">E-mail</label>' in page
    assert '<button type="submit">Sign in</button>' in page

    wrong = client.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "bo@example.org", "password": "nope" * 5},
    )
    right = client.post(
        "/login",
        data={"csrf_token": csrf_of(page), "email": "bo@example.org", "password": PASSWORD},
        follow_redirects=True,
    )

    assert wrong.status_code == 422
    wrong_text = wrong.get_data(as_text=True)
    assert "That e-mail and password do not match an account." in wrong_text
    assert 'value="bo@example.org"' in wrong_text and "nopenope" not in wrong_text
    assert "Signed in as bo@example.org (creator)" in right.get_data(as_text=True)


def test_repeated_wrong_sign_ins_are_slowed_down_with_the_services_retry_after(
    stack: Stack,
) -> None:
    stack.pledges.post(
        "/api/v1/signup",
        json={"name": "Di", "email": "di@example.org", "password": PASSWORD, "role": "backer"},
    )
    client = stack.site_client()
    csrf = csrf_of(client.get("/login").get_data(as_text=True))
    wrong = {"csrf_token": csrf, "email": "di@example.org", "password": "guess" * 4}

    answers = [client.post("/login", data=wrong) for _ in range(6)]

    assert [a.status_code for a in answers] == [422] * 5 + [429]
    refused = answers[-1]
    assert "Too many attempts. Please wait a few minutes and try again." in refused.get_data(
        as_text=True
    )
    retry_after = refused.headers.get("Retry-After", "")
    assert retry_after.isdigit() and 0 < int(retry_after) <= 15 * 60
    # Even the right password waits now: the limit is per account, not per guess.
    right = client.post("/login", data={**wrong, "password": PASSWORD})
    assert right.status_code == 429


def test_sign_up_errors_from_the_api_sit_next_to_their_fields(stack: Stack) -> None:
    client = stack.site_client()
    page = client.get("/signup").get_data(as_text=True)

    response = client.post(
        "/signup",
        data={
            "csrf_token": csrf_of(page),
            "name": "Cy",
            "email": "cy@example.org",
            "password": "short",
            "role": "creator",
        },
    )

    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="password-error1">[^<]+</p>', text)
    assert 'value="Cy"' in text and 'value="cy@example.org"' in text
    assert 'value="short"' not in text
    assert 'id="role-creator" name="role" value="creator" checked' in text


def test_a_sign_up_sent_empty_says_what_each_field_needs_and_makes_no_account(
    stack: Stack,
) -> None:
    client = stack.site_client()
    page = client.get("/signup").get_data(as_text=True)
    outbox = stack.apps["pledges"].extensions["fundtrail"].tables["outbox"]
    with stack.apps["pledges"].extensions["fundtrail"].engine.connect() as connection:
        before = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()

    response = client.post(
        "/signup",
        data={"csrf_token": csrf_of(page), "name": " ", "email": "", "password": "", "role": ""},
    )

    assert response.status_code == 422
    text = html.unescape(response.get_data(as_text=True))
    for field, message in (
        ("name", "Enter your name."),
        ("email", "Enter your e-mail address."),
        ("password", "Choose a password of 15 to 128 characters."),
    ):
        assert f'<p class="error" id="{field}-error1">{message}</p>' in text
    assert "Choose Backer or Creator." in text
    with stack.apps["pledges"].extensions["fundtrail"].engine.connect() as connection:
        after = connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar()
    assert after == before
