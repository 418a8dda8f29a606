"""A signed-in account's own e-mail confirmation: its state, and a new link when the first was
lost or expired, with its hourly limit."""

from __future__ import annotations

from datetime import datetime

import flask
from flask.testing import FlaskClient

from tests.factories import bearer, campaign_body, mailed_link_token
from tests.integration.pledges.helpers import (
    API,
    Account,
    MovableClock,
    assert_problem,
    snapshot,
)
from tests.integration.pledges.test_pledges_sign_up_api import (
    account_events,
    link_token,
    sign_in,
    sign_up,
)

STATUS = f"{API}/me/email-verification"


def signed_up(client: FlaskClient, email: str) -> dict[str, str]:
    """A creator who signed up with `email`, signed in: their bearer header."""
    assert sign_up(client, email=email).status_code == 201
    return bearer(sign_in(client, email).json["token"])


def verification_links(app: flask.Flask) -> list[str]:
    """Every verification link token asked to be mailed, oldest first."""
    return [
        mailed_link_token(app, e)
        for e in account_events(app)
        if e.type == "account.verification_requested" and e.payload["purpose"] == "verify_email"
    ]


def test_the_status_says_unconfirmed_until_the_link_is_followed(
    app: flask.Flask, client: FlaskClient
) -> None:
    headers = signed_up(client, "Mary.Somerville@example.test")

    before = client.get(STATUS, headers=headers)

    assert before.status_code == 200, before.json
    assert before.json == {
        "email": "Mary.Somerville@example.test",
        "email_verified": False,
        "email_verified_at": None,
    }
    verified = client.post(f"{API}/email-verifications", json={"token": link_token(app)})
    assert verified.status_code == 200, verified.json

    after = client.get(STATUS, headers=headers).json
    assert after["email_verified"] is True
    assert datetime.fromisoformat(after["email_verified_at"]).utcoffset() is not None


def test_a_new_link_is_mailed_and_proves_the_address_after_the_first_expired(
    app: flask.Flask, client: FlaskClient, clock: MovableClock
) -> None:
    headers = signed_up(client, "noether@example.test")
    campaign = client.post(f"{API}/campaigns", json=campaign_body(), headers=headers).json
    [first] = verification_links(app)
    clock.travel(hours=25)
    assert client.post(f"{API}/email-verifications", json={"token": first}).status_code == 410

    resent = client.post(STATUS, headers=headers)

    assert resent.status_code == 202, resent.json
    assert resent.json == {
        "detail": "A new link to confirm your address is on its way to noether@example.test.",
        "email": "noether@example.test",
    }
    newest = account_events(app)[-1]
    assert newest.type == "account.verification_requested"
    assert newest.payload["purpose"] == "verify_email"
    assert (
        str(newest.payload["account_id"])
        == client.get(f"{API}/me", headers=headers).json["account_id"]
    )
    assert "email" not in newest.payload
    second = mailed_link_token(app, newest)
    assert second != first
    verified = client.post(f"{API}/email-verifications", json={"token": second})
    assert verified.status_code == 200, verified.json
    assert client.get(STATUS, headers=headers).json["email_verified"] is True
    launched = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=headers)
    assert launched.status_code == 200 and launched.json["status"] == "live"


def test_a_link_mailed_before_a_new_one_still_works(app: flask.Flask, client: FlaskClient) -> None:
    headers = signed_up(client, "germain@example.test")
    assert client.post(STATUS, headers=headers).status_code == 202
    first, second = verification_links(app)

    # Mail arrives out of order: the older link is not superseded by the newer one.
    assert client.post(f"{API}/email-verifications", json={"token": first}).status_code == 200
    assert client.get(STATUS, headers=headers).json["email_verified"] is True
    # The newer one, opened later, changes nothing but is spent.
    late = client.post(f"{API}/email-verifications", json={"token": second})
    assert late.status_code == 200
    assert client.post(f"{API}/email-verifications", json={"token": second}).status_code == 410


def test_no_new_link_once_the_address_is_confirmed(app: flask.Flask, client: FlaskClient) -> None:
    headers = signed_up(client, "kovalevskaya@example.test")
    client.post(f"{API}/email-verifications", json={"token": link_token(app)})
    before = snapshot(app)

    again = client.post(STATUS, headers=headers)

    assert_problem(again, 409)
    assert again.json["detail"] == "your e-mail address is already confirmed"
    assert snapshot(app) == before


def test_past_three_links_an_hour_the_caller_waits_and_nothing_is_mailed(
    app: flask.Flask, client: FlaskClient, clock: MovableClock
) -> None:
    headers = signed_up(client, "lovelace@example.test")  # the sign-up link counts: 1
    clock.travel(minutes=10)
    assert client.post(STATUS, headers=headers).status_code == 202  # 2
    clock.travel(minutes=10)
    assert client.post(STATUS, headers=headers).status_code == 202  # 3
    before = snapshot(app)

    limited = client.post(STATUS, headers=headers)

    assert_problem(limited, 429)
    # Free again when the sign-up link, made 20 minutes ago, is an hour old.
    retry_after = int(limited.headers["Retry-After"])
    assert 39 * 60 <= retry_after <= 40 * 60, retry_after
    assert limited.json["detail"] == (
        "3 confirmation links were mailed in the last hour; ask again in 40 minutes"
    )
    assert snapshot(app) == before
    assert len(verification_links(app)) == 3

    clock.travel(minutes=41)
    assert client.post(STATUS, headers=headers).status_code == 202
    assert len(verification_links(app)) == 4
    assert client.post(STATUS, headers=headers).status_code == 429


def test_accounts_made_by_an_operator_have_no_address_to_confirm(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    before = snapshot(app)

    status = client.get(STATUS, headers=creator.headers)
    resend = client.post(STATUS, headers=creator.headers)

    for response in (status, resend):
        assert_problem(response, 404)
        assert "no e-mail address to confirm" in response.json["detail"]
    assert snapshot(app) == before


def test_without_a_valid_token_nothing_is_told_or_mailed(
    app: flask.Flask, client: FlaskClient
) -> None:
    sign_up(client, email="anon@example.test")
    before = snapshot(app)

    for headers in ({}, bearer("not-a-token")):
        assert_problem(client.get(STATUS, headers=headers), 401)
        assert_problem(client.post(STATUS, headers=headers), 401)

    assert snapshot(app) == before
