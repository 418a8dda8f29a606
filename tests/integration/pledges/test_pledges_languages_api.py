"""Accounts and campaigns speak a language (`en` or `id`): chosen at sign-up, at drafting and
on `/me`, returned, and announced on the bus for the updates service's mails."""

from __future__ import annotations

import flask
from flask.testing import FlaskClient

from tests.factories import bearer, campaign_body
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    draft_campaign,
    outbox_events,
    snapshot,
)
from tests.integration.pledges.test_pledges_sign_up_api import account_events, sign_in, sign_up

BAD_LANGUAGES = ("fr", "ID", "en-GB", "", "indonesian", 7, None, ["id"])


def test_a_signed_up_account_keeps_its_language_and_changes_it_on_me(
    app: flask.Flask, client: FlaskClient
) -> None:
    email = "siti-language@example.test"
    assert sign_up(client, name="Siti", email=email, language="id").status_code == 201
    (created,) = [e for e in account_events(app) if e.type == "account.created"]
    assert created.payload["language"] == "id"
    headers = bearer(sign_in(client, email).json["token"])

    me = client.get(f"{API}/me", headers=headers).json
    assert me == {
        "id": str(created.payload["account_id"]),
        "account_id": str(created.payload["account_id"]),
        "name": "Siti",
        "email": email,
        "role": "creator",
        "language": "id",
        "email_verified": False,
    }

    changed = client.patch(f"{API}/me", json={"language": "en"}, headers=headers)
    assert changed.status_code == 200
    assert changed.json == {**me, "language": "en"}
    assert client.get(f"{API}/me", headers=headers).json["language"] == "en"
    (event,) = [e for e in account_events(app) if e.type == "account.language_changed"]
    assert event.payload == {"account_id": created.payload["account_id"], "language": "en"}
    assert event.key == me["id"]

    # The same choice again changes nothing and announces nothing.
    client.patch(f"{API}/me", json={"language": "en"}, headers=headers)
    assert [e.type for e in account_events(app)].count("account.language_changed") == 1


def test_languages_other_than_en_and_id_are_refused_naming_the_field(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    before = snapshot(app)
    for bad in BAD_LANGUAGES:
        assert_problem(
            client.patch(f"{API}/me", json={"language": bad}, headers=creator.headers),
            422,
            "language",
        )
        assert_problem(sign_up(client, language=bad), 422, "language")
        assert_problem(
            client.post(
                f"{API}/campaigns", json=campaign_body(language=bad), headers=creator.headers
            ),
            422,
            "language",
        )
        assert_problem(
            client.patch(
                f"{API}/campaigns/{campaign['id']}",
                json={"language": bad},
                headers=creator.headers,
            ),
            422,
            "language",
        )
    assert_problem(client.patch(f"{API}/me", json={}, headers=creator.headers), 422, "language")
    assert snapshot(app) == before


def test_an_operator_made_account_speaks_english_until_it_chooses(
    client: FlaskClient, backer: Account
) -> None:
    me = client.get(f"{API}/me", headers=backer.headers).json
    assert (me["language"], me["email"], me["email_verified"]) == ("en", None, False)
    assert client.get(f"{API}/me").status_code == 401


def test_a_campaign_carries_its_language_in_its_json_and_every_event(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    english = draft_campaign(client, creator)
    assert english["language"] == "en"
    campaign = draft_campaign(client, creator, language="id")
    assert campaign["language"] == "id"
    assert (
        client.get(f"{API}/campaigns/{campaign['id']}", headers=creator.headers).json["language"]
        == "id"
    )

    edited = client.patch(
        f"{API}/campaigns/{campaign['id']}", json={"language": "en"}, headers=creator.headers
    )
    assert edited.json["language"] == "en"
    client.patch(
        f"{API}/campaigns/{campaign['id']}", json={"language": "id"}, headers=creator.headers
    )
    launched = client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    assert launched.json["language"] == "id"

    events = outbox_events(app, campaign["id"])
    assert [(e.type, e.payload["language"]) for e in events] == [
        ("campaign.created", "id"),
        ("campaign.updated", "en"),
        ("campaign.updated", "id"),
        ("campaign.launched", "id"),
    ]
    # A launched campaign's language is a term like any other: fixed.
    assert_problem(
        client.patch(
            f"{API}/campaigns/{campaign['id']}", json={"language": "en"}, headers=creator.headers
        ),
        409,
    )
