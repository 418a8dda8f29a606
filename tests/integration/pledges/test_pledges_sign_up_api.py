"""Accounts people make themselves: sign-up, sign-in with its limits, verification links, and
"forgot password"."""

from __future__ import annotations

import uuid
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.pledges.api.signup import SIGN_UP_SENT
from shared.events import Envelope, decode
from tests.factories import campaign_body, mailed_link_token
from tests.integration.pledges.helpers import API, Account, MovableClock, snapshot

PASSWORD = "a sentence only I would write"


def sign_up(client: FlaskClient, **overrides: Any) -> Any:
    body = {
        "name": "Ada",
        "email": f"ada-{uuid.uuid4().hex[:8]}@example.test",
        "password": PASSWORD,
        "role": "creator",
        **overrides,
    }
    return client.post(f"{API}/signup", json=body)


def account_events(app: flask.Flask) -> list[Envelope]:
    context = app.extensions["fundtrail"]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.topic, outbox.c.value).order_by(outbox.c.id)
        ).all()
    return [decode(value) for topic, value in rows if topic == "accounts.events"]


def link_token(app: flask.Flask, purpose: str = "verify_email") -> str:
    """The newest link of `purpose` the pledges service asked the updates service to mail."""
    found = [
        mailed_link_token(app, e)
        for e in account_events(app)
        if e.type == "account.verification_requested" and e.payload["purpose"] == purpose
    ]
    assert found, f"no {purpose} link was requested"
    return str(found[-1])


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(f"{API}/sessions", json={"email": email, "password": password})


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_makes_an_unverified_account_and_asks_for_a_verification_mail(
    app: flask.Flask, client: FlaskClient, capfd: pytest.CaptureFixture[str]
) -> None:
    response = sign_up(client, email="Ada.Lovelace@Example.test", role="backer")

    assert response.status_code == 201, response.json
    assert response.json == {"email": "Ada.Lovelace@Example.test", "detail": SIGN_UP_SENT}
    created, requested = account_events(app)
    assert created.type == "account.created"
    assert created.payload["email"] == "Ada.Lovelace@Example.test"
    assert requested.type == "account.verification_requested"
    assert requested.payload["purpose"] == "verify_email"
    assert requested.payload["account_id"] == created.payload["account_id"]
    assert "email" not in requested.payload
    # The password is nowhere: not in the outbox, the database or the logs.
    everything = repr(snapshot(app)) + capfd.readouterr().out + capfd.readouterr().err
    assert PASSWORD not in everything
    assert PASSWORD not in repr(account_events(app))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "fourteen chars"}, "password", "at least 15 characters"),
        ({"password": "x" * 120 + "y" * 9}, "password", "at most 128 characters"),
        ({"password": "passwordpassword"}, "password", "too easy to guess"),
        ({"password": "a" * 20}, "password", "too easy to guess"),
        ({"email": "not-an-address"}, "email", "not an e-mail address"),
        ({"role": "admin"}, "role", "Must be one of"),
        ({"name": ""}, "name", ""),
    ],
)
def test_bad_sign_up_input_is_refused_naming_the_field_and_writes_nothing(
    app: flask.Flask,
    client: FlaskClient,
    overrides: dict[str, Any],
    field: str,
    message: str,
) -> None:
    before = snapshot(app)
    response = sign_up(client, **overrides)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    assert message in " ".join(response.json["errors"][field])
    assert snapshot(app) == before


def test_a_long_passphrase_of_64_characters_is_welcome(client: FlaskClient) -> None:
    response = sign_up(
        client, password="the quick brown fox jumps over the lazy dog, twice or thrice!!"
    )
    assert response.status_code == 201, response.json


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_gives_a_recorded_twelve_hour_token_that_works(
    app: flask.Flask, client: FlaskClient
) -> None:
    sign_up(client, email="hopper@example.test")
    (created,) = [e for e in account_events(app) if e.type == "account.created"]

    response = sign_in(client, "HOPPER@example.test")

    assert response.status_code == 201, response.json
    session = response.json
    assert session["account_id"] == str(created.payload["account_id"])
    assert session["role"] == "creator"
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {session['token']}"})
    assert me.status_code == 200 and me.json["account_id"] == session["account_id"]
    tokens = app.extensions["fundtrail"].tables["api_tokens"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        row = connection.execute(
            sa.select(tokens).where(tokens.c.id == uuid.UUID(session["token_id"]))
        ).one()
    assert (row.expires_at - row.issued_at).total_seconds() == 12 * 3600


def test_a_wrong_password_and_an_unknown_address_get_the_same_refusal(
    client: FlaskClient,
) -> None:
    sign_up(client, email="turing@example.test")
    wrong = sign_in(client, "turing@example.test", "not the right password at all")
    unknown = sign_in(client, "nobody@example.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["detail"] == "wrong e-mail address or password"


def test_cli_made_accounts_cannot_sign_in_with_a_password(
    app: flask.Flask, client: FlaskClient
) -> None:
    from services.pledges import commands, handlers

    root = app.extensions["fundtrail"]
    handlers.create_account(
        commands.CreateAccount(role="admin", name="Op", email="op@example.test"),
        root.uow_factory(),
        root.token_issuer,
    )
    assert sign_in(client, "op@example.test").status_code == 401
    # ...and signing up with its address makes no second account.
    before = snapshot(app)["accounts"]
    assert sign_up(client, email="op@example.test").status_code == 201
    assert snapshot(app)["accounts"] == before


def test_repeated_failures_for_an_account_are_slowed_down_then_forgiven(
    client: FlaskClient, clock: MovableClock
) -> None:
    sign_up(client, email="knuth@example.test")
    for _ in range(5):
        assert sign_in(client, "knuth@example.test", "guess guess guess").status_code == 401

    limited = sign_in(client, "knuth@example.test")  # even the right password waits

    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 900
    assert "too many failed sign-ins for this account" in limited.json["detail"]
    clock.travel(minutes=16)
    assert sign_in(client, "knuth@example.test").status_code == 201


def test_failures_from_one_client_address_are_limited_across_accounts(
    client: FlaskClient,
) -> None:
    for n in range(20):
        assert sign_in(client, f"who{n}@example.test", "guess guess guess").status_code == 401
    response = sign_in(client, "someone-else@example.test", "guess guess guess")
    assert response.status_code == 429
    assert "for this address" in response.json["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_forwarded_addresses_from_anyone_else_are_not_believed(client: FlaskClient) -> None:
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    for n in range(20):
        response = client.post(
            f"{API}/sessions",
            json={"email": f"who{n}@example.test", "password": "guess guess guess"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},  # a new "person" each time
            environ_base=outsider,
        )
        assert response.status_code == 401
    last = client.post(
        f"{API}/sessions",
        json={"email": "who-else@example.test", "password": "guess guess guess"},
        headers={"X-Forwarded-For": "192.0.2.200"},
        environ_base=outsider,
    )
    assert last.status_code == 429


# --- verifying the address -------------------------------------------------------------------


def test_an_unverified_creator_cannot_launch_until_the_link_is_followed(
    app: flask.Flask, client: FlaskClient
) -> None:
    email = "lamarr@example.test"
    sign_up(client, email=email)
    token = sign_in(client, email).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    campaign = client.post(f"{API}/campaigns", json=campaign_body(), headers=headers).json

    refused = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=headers)
    assert refused.status_code == 403
    assert "verify your e-mail address before launching" in refused.json["detail"]

    verified = client.post(f"{API}/email-verifications", json={"token": link_token(app)})
    assert verified.status_code == 200, verified.json
    assert verified.json["email_verified"] is True

    launched = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=headers)
    assert launched.status_code == 200 and launched.json["status"] == "live"


def test_cli_made_creators_still_launch_without_verifying(
    client: FlaskClient, creator: Account
) -> None:
    campaign = client.post(f"{API}/campaigns", json=campaign_body(), headers=creator.headers)
    launched = client.post(f"{API}/campaigns/{campaign.json['id']}/launch", headers=creator.headers)
    assert launched.status_code == 200


def test_a_verification_link_works_once(app: flask.Flask, client: FlaskClient) -> None:
    sign_up(client)
    token = link_token(app)
    assert client.post(f"{API}/email-verifications", json={"token": token}).status_code == 200
    before = snapshot(app)

    again = client.post(f"{API}/email-verifications", json={"token": token})

    assert again.status_code == 410
    assert again.json["errors"] == {"token": ["this link was already used: ask for a new one"]}
    assert snapshot(app) == before


def test_an_expired_verification_link_is_gone(
    app: flask.Flask, client: FlaskClient, clock: MovableClock
) -> None:
    sign_up(client)
    clock.travel(hours=25)
    response = client.post(f"{API}/email-verifications", json={"token": link_token(app)})
    assert response.status_code == 410
    assert "expired" in response.json["detail"]


@pytest.mark.parametrize("forge", ["flip", "garbage", "other_purpose"])
def test_a_forged_verification_link_is_refused(
    app: flask.Flask, client: FlaskClient, forge: str
) -> None:
    sign_up(client, email="forge@example.test")
    token = link_token(app)
    if forge == "flip":
        token = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    elif forge == "garbage":
        token = "not a token at all!"
    else:
        client.post(f"{API}/password-resets", json={"email": "forge@example.test"})
        token = link_token(app, "reset_password")
    before = snapshot(app)

    response = client.post(f"{API}/email-verifications", json={"token": token})

    assert response.status_code == 400
    assert response.json["errors"]["token"] == [response.json["detail"]]
    assert snapshot(app) == before


# --- forgot password -------------------------------------------------------------------------


def test_a_reset_request_answers_the_same_for_known_and_unknown_addresses(
    app: flask.Flask, client: FlaskClient
) -> None:
    sign_up(client, email="known@example.test")
    known = client.post(f"{API}/password-resets", json={"email": "KNOWN@example.test"})
    unknown = client.post(f"{API}/password-resets", json={"email": "unknown@example.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.json == unknown.json
    requested = [
        e.payload["purpose"]
        for e in account_events(app)
        if e.type == "account.verification_requested"
    ]
    assert requested == ["verify_email", "reset_password"]


def test_a_reset_link_sets_a_new_password_once(app: flask.Flask, client: FlaskClient) -> None:
    sign_up(client, email="reset@example.test")
    client.post(f"{API}/password-resets", json={"email": "reset@example.test"})
    token = link_token(app, "reset_password")
    new_password = "another sentence, longer still"

    too_short = client.post(f"{API}/password-resets/{token}", json={"password": "short"})
    assert too_short.status_code == 422 and "password" in too_short.json["errors"]
    done = client.post(f"{API}/password-resets/{token}", json={"password": new_password})

    assert done.status_code == 200, done.json
    assert sign_in(client, "reset@example.test").status_code == 401
    assert sign_in(client, "reset@example.test", new_password).status_code == 201
    again = client.post(f"{API}/password-resets/{token}", json={"password": new_password})
    assert again.status_code == 410
    assert new_password not in repr(snapshot(app)) + repr(account_events(app))


def test_an_account_an_admin_made_chooses_its_first_password_by_reset_link(
    app: flask.Flask, client: FlaskClient
) -> None:
    """`fundtrail accounts create --role auditor --email …` makes no password: "forgot
    password" is how the auditor gets one and signs in on the site (issue 18)."""
    from services.pledges import commands, handlers

    dependencies = app.extensions["fundtrail"]
    made = handlers.create_account(
        commands.CreateAccount(role="auditor", name="Ada", email="Ada@Audit.example"),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    assert sign_in(client, "ada@audit.example").status_code == 401
    client.post(f"{API}/password-resets", json={"email": "ada@audit.example"})
    token = link_token(app, "reset_password")
    done = client.post(f"{API}/password-resets/{token}", json={"password": PASSWORD})
    assert done.status_code == 200, done.json

    session = sign_in(client, "ada@audit.example")
    assert session.status_code == 201, session.json
    me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {session.json['token']}"})
    assert (me.json["account_id"], me.json["role"]) == (str(made.account.id), "auditor")


def test_an_expired_reset_link_is_gone(
    app: flask.Flask, client: FlaskClient, clock: MovableClock
) -> None:
    sign_up(client, email="late@example.test")
    client.post(f"{API}/password-resets", json={"email": "late@example.test"})
    clock.travel(hours=2)
    response = client.post(
        f"{API}/password-resets/{link_token(app, 'reset_password')}",
        json={"password": "a perfectly fine passphrase"},
    )
    assert response.status_code == 410
    assert sign_in(client, "late@example.test").status_code == 201
