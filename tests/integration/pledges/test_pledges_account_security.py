"""The second audit's holes in sign-in and accounts, each shown closed: forwarded addresses
believed only from the site, a reset that ends every session, breached passwords refused, no
lock-out of an owner by strangers, and sign-up that tells nobody who has an account."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from flask.testing import FlaskClient

from tests.factories import mailed_link_token, make_app
from tests.integration.pledges.helpers import API, MovableClock, snapshot
from tests.integration.pledges.test_pledges_sign_up_api import (
    PASSWORD,
    account_events,
    sign_in,
    sign_up,
)

GUESS = "guess guess guess"
SITE = "192.0.2.80"


@pytest.fixture
def behind_site(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    """Pledges configured to believe the site's forwarded address, and nobody else's."""
    app = make_app("pledges", database_url, tmp_path, trusted_proxies=(SITE,))
    yield app
    app.extensions["fundtrail"].engine.dispose()


def _attempt(client: FlaskClient, n: int, forwarded: str, remote: str = "127.0.0.1") -> Any:
    return client.post(
        f"{API}/sessions",
        json={"email": f"who{n}@example.test", "password": GUESS},
        headers={"X-Forwarded-For": forwarded},
        environ_base={"REMOTE_ADDR": remote},
    )


# --- client addresses ------------------------------------------------------------------------


def test_a_rotating_forwarded_header_from_this_machine_still_hits_the_limit(
    client: FlaskClient,
) -> None:
    # By default nobody's X-Forwarded-For is believed, a local caller's included.
    for n in range(20):
        assert _attempt(client, n, f"192.0.2.{n}").status_code == 401
    limited = _attempt(client, 99, "192.0.2.250")
    assert limited.status_code == 429
    assert "for this address" in limited.json["detail"]


def test_the_sites_forwarded_address_is_believed_when_configured(
    behind_site: flask.Flask,
) -> None:
    client = behind_site.test_client()
    for n in range(20):
        assert _attempt(client, n, "198.51.100.7", remote=SITE).status_code == 401
    assert _attempt(client, 99, "198.51.100.7", remote=SITE).status_code == 429
    # Another person behind the same site is not held back by the guesser...
    assert _attempt(client, 100, "198.51.100.8", remote=SITE).status_code == 401
    # ...and a caller that is not the site cannot borrow the trust with the same header.
    for n in range(20):
        assert _attempt(client, 200 + n, f"192.0.2.{n}", remote="203.0.113.9").status_code == 401
    assert _attempt(client, 300, "192.0.2.201", remote="203.0.113.9").status_code == 429


# --- a password reset ends every session -----------------------------------------------------


def _reset_links(client: FlaskClient, app: flask.Flask, email: str, count: int) -> list[str]:
    for _ in range(count):
        assert client.post(f"{API}/password-resets", json={"email": email}).status_code == 202
    tokens = [
        mailed_link_token(app, e)
        for e in account_events(app)
        if e.type == "account.verification_requested" and e.payload["purpose"] == "reset_password"
    ]
    return tokens[-count:]


def test_a_reset_revokes_every_earlier_token_and_spends_the_other_reset_links(
    app: flask.Flask, client: FlaskClient
) -> None:
    email = "reset-all@example.test"
    sign_up(client, email=email)
    sessions = [sign_in(client, email).json for _ in range(2)]
    account_id = sessions[0]["account_id"]
    first, second = _reset_links(client, app, email, 2)
    new_password = "a brand new sentence of my own"

    done = client.post(f"{API}/password-resets/{first}", json={"password": new_password})

    assert done.status_code == 200, done.json
    for session in sessions:
        me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {session['token']}"})
        assert me.status_code == 401, me.json
    revoked = [e.payload for e in account_events(app) if e.type == "token.revoked"]
    assert sorted(str(p["token_id"]) for p in revoked) == sorted(s["token_id"] for s in sessions)
    assert {str(p["account_id"]) for p in revoked} == {account_id}
    # The other link mailed before it no longer sets a password...
    again = client.post(f"{API}/password-resets/{second}", json={"password": "yet another one!!"})
    assert again.status_code == 410, again.json
    assert sign_in(client, email, "yet another one!!").status_code == 401
    # ...and the new password gives a session that works.
    fresh = sign_in(client, email, new_password).json["token"]
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


# --- breached and common passwords -----------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["qwertyuiop123456", "iloveyou12345678", "Password12345678!", "guess guess guess"]
)
def test_common_and_breached_passwords_are_refused_with_a_reason(
    app: flask.Flask, client: FlaskClient, password: str
) -> None:
    before = snapshot(app)
    response = sign_up(client, password=password)
    assert response.status_code == 422, response.json
    assert response.content_type == "application/problem+json"
    (reason,) = response.json["errors"]["password"]
    assert reason.startswith("is too easy to guess")
    assert "choose a longer phrase of your own" in reason
    assert snapshot(app) == before


def test_a_reset_refuses_a_breached_password_and_keeps_the_link(
    app: flask.Flask, client: FlaskClient
) -> None:
    email = "weak-reset@example.test"
    sign_up(client, email=email)
    (link,) = _reset_links(client, app, email, 1)
    weak = client.post(f"{API}/password-resets/{link}", json={"password": "iloveyou12345678"})
    assert weak.status_code == 422
    assert "too easy to guess" in weak.json["errors"]["password"][0]
    kept = client.post(f"{API}/password-resets/{link}", json={"password": PASSWORD + "!"})
    assert kept.status_code == 200, kept.json


# --- nobody can lock an owner out; the owner hears of guessing -------------------------------


def _sign_in_from(client: FlaskClient, remote: str, email: str, password: str = GUESS) -> Any:
    return client.post(
        f"{API}/sessions",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": remote},
    )


def _notices(app: flask.Flask, kind: str) -> list[dict[str, Any]]:
    return [
        dict(e.payload)
        for e in account_events(app)
        if e.type == "account.notice_requested" and e.payload["kind"] == kind
    ]


def test_wrong_passwords_from_five_clients_do_not_lock_the_owner_out(
    client: FlaskClient,
) -> None:
    email = "owner@example.test"
    sign_up(client, email=email)
    for n in range(5):
        assert _sign_in_from(client, f"203.0.113.{n}", email).status_code == 401

    assert _sign_in_from(client, "198.51.100.1", email, PASSWORD).status_code == 201


def test_a_guesser_is_held_back_while_a_client_with_no_failures_gets_through(
    client: FlaskClient,
) -> None:
    email = "target@example.test"
    sign_up(client, email=email)
    for _ in range(5):
        assert _sign_in_from(client, "203.0.113.66", email).status_code == 401

    held = _sign_in_from(client, "203.0.113.66", email, PASSWORD)
    assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
    assert "too many failed sign-ins" in held.json["detail"]
    assert _sign_in_from(client, "198.51.100.1", email, PASSWORD).status_code == 201


def test_clients_that_failed_wait_while_an_account_is_guessed_at_from_many(
    client: FlaskClient,
) -> None:
    email = "popular@example.test"
    sign_up(client, email=email)
    for n in range(10):
        assert _sign_in_from(client, f"203.0.113.{n}", email).status_code == 401
    assert _sign_in_from(client, "203.0.113.0", email).status_code == 429
    # A client that has not failed for this account is still let through.
    assert _sign_in_from(client, "198.51.100.1", email).status_code == 401
    assert _sign_in_from(client, "198.51.100.2", email, PASSWORD).status_code == 201


def test_the_owner_is_mailed_once_a_period_when_their_account_is_guessed_at(
    app: flask.Flask, client: FlaskClient, clock: MovableClock
) -> None:
    email = "guessed@example.test"
    sign_up(client, email=email)
    account_id = sign_in(client, email).json["account_id"]
    for n in range(4):
        _sign_in_from(client, f"203.0.113.{n}", email)
    assert _notices(app, "sign_in_failures") == []
    for n in range(4, 12):
        _sign_in_from(client, f"203.0.113.{n}", email)

    (notice,) = _notices(app, "sign_in_failures")
    assert str(notice["account_id"]) == account_id
    clock.travel(hours=25)
    for n in range(5):
        _sign_in_from(client, f"192.0.2.{n}", email)
    assert len(_notices(app, "sign_in_failures")) == 2
    # Guesses at an address nobody signed up with mail nobody.
    for n in range(6):
        _sign_in_from(client, f"192.0.2.{n}", "nobody-here@example.test")
    assert len(_notices(app, "sign_in_failures")) == 2


# --- sign-up tells nobody who has an account -------------------------------------------------


def test_sign_up_with_a_taken_address_answers_the_same_and_mails_the_owner_instead(
    app: flask.Flask, client: FlaskClient
) -> None:
    first = sign_up(client, email="grace@example.test")
    owner = sign_in(client, "grace@example.test").json["account_id"]
    before = snapshot(app)

    again = sign_up(client, email="GRACE@example.test", password="someone else's sentence")
    fresh = sign_up(client, email="grace@example.test".replace("grace", "ida"))

    assert first.status_code == again.status_code == fresh.status_code == 201
    assert set(again.json) == set(first.json) == set(fresh.json)
    assert again.json["detail"] == fresh.json["detail"]
    assert "id" not in again.json  # nothing names an account
    after = snapshot(app)
    assert len(after["accounts"]) == len(before["accounts"]) + 1  # Ida's alone
    (notice,) = _notices(app, "sign_up_attempted")
    assert str(notice["account_id"]) == owner
    # The owner's password is unchanged.
    assert sign_in(client, "grace@example.test").status_code == 201


def test_a_taken_address_costs_a_hash_like_a_new_one(app: flask.Flask) -> None:
    from services.pledges import commands
    from services.pledges.handlers import sign_up as handlers

    class CountingPasswords:
        hashed = 0

        def hash(self, password: str) -> str:
            self.hashed += 1
            return "not-a-real-hash"

        def verify(self, password_hash: str | None, password: str) -> bool:
            return False

    root = app.extensions["fundtrail"]
    passwords = CountingPasswords()
    for _ in range(2):
        handlers.sign_up(
            commands.SignUp(name="Kay", email="kay@example.test", password=PASSWORD, role="backer"),
            root.uow_factory(),
            root.link_sealer,
            root.clock,
            passwords,
        )
    assert passwords.hashed == 2


def test_repeated_sign_ups_mail_the_owner_once_a_period(
    app: flask.Flask, client: FlaskClient
) -> None:
    sign_up(client, email="once@example.test")
    for _ in range(3):
        assert sign_up(client, email="once@example.test").status_code == 201
    assert len(_notices(app, "sign_up_attempted")) == 1


def test_sign_ups_from_one_client_are_limited(app: flask.Flask, client: FlaskClient) -> None:
    for _ in range(10):
        assert sign_up(client).status_code == 201
    before = snapshot(app)

    limited = sign_up(client)

    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 3600
    assert "too many sign-ups" in limited.json["detail"]
    assert snapshot(app) == before
    other = client.post(
        f"{API}/signup",
        json={"name": "Bo", "email": "bo@example.test", "password": PASSWORD, "role": "backer"},
        environ_base={"REMOTE_ADDR": "198.51.100.5"},
    )
    assert other.status_code == 201


# --- mailed links are sealed for the updates service -----------------------------------------


def test_no_outbox_row_holds_a_mailed_link_in_clear(app: flask.Flask, client: FlaskClient) -> None:
    sign_up(client, email="sealed@example.test")
    client.post(f"{API}/password-resets", json={"email": "sealed@example.test"})
    requests = [e for e in account_events(app) if e.type == "account.verification_requested"]
    tokens = [mailed_link_token(app, e) for e in requests]

    assert [e.version for e in requests] == [2, 2]
    assert all("link_token" not in e.payload for e in requests)
    everything = repr(snapshot(app))  # the outbox's bytes included
    assert all(token not in everything for token in tokens)
    # What the updates service opens is a working link.
    verified = client.post(f"{API}/email-verifications", json={"token": tokens[0]})
    assert verified.status_code == 200, verified.json


def test_a_twin_sign_up_that_loses_the_race_writes_nothing_and_raises_nothing(
    app: flask.Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.pledges import commands
    from services.pledges.adapters.accounts import AccountRepository
    from services.pledges.handlers import sign_up as handlers

    sign_up(client, email="twin@example.test")
    before = snapshot(app)
    # As if the other sign-up committed just after this one looked for the address.
    monkeypatch.setattr(AccountRepository, "account_with_email", lambda self, key: None)
    root = app.extensions["fundtrail"]

    handlers.sign_up(
        commands.SignUp(name="Twin", email="twin@example.test", password=PASSWORD, role="backer"),
        root.uow_factory(),
        root.link_sealer,
        root.clock,
    )

    after = snapshot(app)
    assert after["accounts"] == before["accounts"]
    assert after["outbox"] == before["outbox"]
