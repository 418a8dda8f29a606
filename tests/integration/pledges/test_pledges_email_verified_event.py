"""`account.email_verified`: the other services hear when an address is proven (the updates
service mails update news only to proven addresses), and never before."""

from __future__ import annotations

import flask
import pytest
from flask.testing import FlaskClient

from services.pledges import commands, handlers
from tests.integration.pledges.helpers import API
from tests.integration.pledges.test_pledges_sign_up_api import account_events, link_token, sign_up

pytestmark = pytest.mark.both_databases


def created_id(app: flask.Flask) -> str:
    """The newest account's id, as its `account.created` told the other services."""
    created = [e for e in account_events(app) if e.type == "account.created"]
    return str(created[-1].payload["account_id"])


def verified_ids(app: flask.Flask) -> list[str]:
    return [
        str(e.payload["account_id"])
        for e in account_events(app)
        if e.type == "account.email_verified"
    ]


def test_a_signed_up_address_is_announced_as_proven_only_once_its_link_is_followed(
    app: flask.Flask, client: FlaskClient
) -> None:
    sign_up(client)
    account_id = created_id(app)
    assert verified_ids(app) == []

    verified = client.post(f"{API}/email-verifications", json={"token": link_token(app)})

    assert verified.status_code == 200, verified.json
    assert verified_ids(app) == [account_id]
    (event,) = [e for e in account_events(app) if e.type == "account.email_verified"]
    assert event.key == account_id  # in order with the account's other events
    assert "@" not in repr(event.payload)  # the address itself stays off the bus


def test_a_password_reset_proves_the_address_too(app: flask.Flask, client: FlaskClient) -> None:
    sign_up(client, email="reset-proof@example.test")
    account_id = created_id(app)
    client.post(f"{API}/password-resets", json={"email": "reset-proof@example.test"})
    token = link_token(app, "reset_password")

    done = client.post(f"{API}/password-resets/{token}", json={"password": "a new long sentence"})

    assert done.status_code == 200, done.json
    assert verified_ids(app) == [account_id]


def test_an_operator_made_account_with_an_address_counts_as_proven(app: flask.Flask) -> None:
    dependencies = app.extensions["fundtrail"]
    with_address = handlers.create_account(
        commands.CreateAccount(role="backer", name="Ada", email="ada-op@example.test"),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    handlers.create_account(
        commands.CreateAccount(role="backer", name="Bob"),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    assert verified_ids(app) == [str(with_address.account.id)]
