"""Tokens over HTTP and the CLI: they expire, admins issue fresh ones, and one can be revoked."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from services.cli import main as fundtrail_cli
from services.pledges import commands, handlers
from shared.events import decode
from tests.factories import bearer
from tests.integration.pledges.helpers import API, assert_problem, snapshot

UNKNOWN = "7f7f7f7f-0000-4000-8000-000000000000"


def _account(app: flask.Flask, role: str) -> tuple[uuid.UUID, str]:
    """A real account made as the CLI makes it: (id, its first token)."""
    deps = app.extensions["fundtrail"]
    new = handlers.create_account(
        commands.CreateAccount(role=role, name="Test"), deps.uow_factory(), deps.token_issuer
    )
    return new.account.id, new.token


def _claims(token: str) -> dict[str, Any]:
    import jwt

    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _account_events(app: flask.Flask) -> list[Any]:
    import sqlalchemy as sa

    deps = app.extensions["fundtrail"]
    outbox = deps.tables["outbox"]
    with deps.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.topic, outbox.c.value).order_by(outbox.c.id)
        ).all()
    return [decode(value) for topic, value in rows if topic == "accounts.events"]


def _near(moment: str, expected: datetime, within: timedelta = timedelta(seconds=30)) -> bool:
    return abs(datetime.fromisoformat(moment) - expected) <= within


def test_an_expired_token_is_a_401_saying_it_expired(app: flask.Flask, client: FlaskClient) -> None:
    account_id, _ = _account(app, "backer")
    month_ago = datetime.now(UTC) - timedelta(days=31)
    expired = app.extensions["fundtrail"].token_issuer.issue(account_id, "backer", now=month_ago)

    response = client.get(f"{API}/me", headers=bearer(expired))

    assert_problem(response, 401)
    assert "expired" in response.json["detail"]
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_tokens_expire_after_the_configured_lifetime(app: flask.Flask, client: FlaskClient) -> None:
    _, admin = _account(app, "admin")
    claims = _claims(admin)
    assert claims["exp"] - claims["iat"] == 30 * 86400
    created = client.post(
        f"{API}/accounts",
        json={"role": "backer", "name": "Bea", "expires_in": "12h"},
        headers=bearer(admin),
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert set(body) == {"id", "role", "name", "token", "token_id", "expires_at"}
    assert _claims(body["token"])["jti"] == body["token_id"]
    assert _near(body["expires_at"], datetime.now(UTC) + timedelta(hours=12))


def test_admins_issue_a_fresh_token_and_the_old_one_still_works(
    app: flask.Flask, client: FlaskClient
) -> None:
    _, admin = _account(app, "admin")
    account_id, old = _account(app, "creator")

    fresh = client.post(
        f"{API}/accounts/{account_id}/tokens", json={"expires_in": "90d"}, headers=bearer(admin)
    )

    assert fresh.status_code == 201, fresh.json
    assert set(fresh.json) == {"token", "token_id", "account_id", "expires_at"}
    assert fresh.json["account_id"] == str(account_id)
    assert _near(fresh.json["expires_at"], datetime.now(UTC) + timedelta(days=90))
    assert _claims(fresh.json["token"])["jti"] == fresh.json["token_id"]
    for token in (fresh.json["token"], old):
        me = client.get(f"{API}/me", headers=bearer(token)).json
        assert (me["account_id"], me["id"], me["role"]) == (str(account_id),) * 2 + ("creator",)
    default = client.post(f"{API}/accounts/{account_id}/tokens", json={}, headers=bearer(admin))
    assert _near(default.json["expires_at"], datetime.now(UTC) + timedelta(days=30))


@pytest.mark.parametrize(
    ("expires_in", "message"),
    [("forever", "not a duration"), ("0s", "positive"), ("400d", "at most"), (True, "duration")],
)
def test_a_bad_lifetime_is_a_422_and_writes_nothing(
    app: flask.Flask, client: FlaskClient, expires_in: Any, message: str
) -> None:
    _, admin = _account(app, "admin")
    account_id, _ = _account(app, "backer")
    before = snapshot(app)

    response = client.post(
        f"{API}/accounts/{account_id}/tokens",
        json={"expires_in": expires_in},
        headers=bearer(admin),
    )

    assert_problem(response, 422, "expires_in")
    assert message in response.json["errors"]["expires_in"][0]
    assert snapshot(app) == before


def test_fresh_tokens_are_refused_to_others_and_for_revoked_or_unknown_accounts(
    app: flask.Flask, client: FlaskClient
) -> None:
    _, admin = _account(app, "admin")
    account_id, own = _account(app, "backer")
    before = snapshot(app)

    # Not even for itself: a stolen token that could renew itself would never expire.
    mine = client.post(f"{API}/accounts/{account_id}/tokens", json={}, headers=bearer(own))
    assert_problem(mine, 403)
    unknown = client.post(f"{API}/accounts/{UNKNOWN}/tokens", json={}, headers=bearer(admin))
    assert_problem(unknown, 404)
    assert snapshot(app) == before

    client.post(f"{API}/accounts/{account_id}/revoke", json={}, headers=bearer(admin))
    revoked = client.post(f"{API}/accounts/{account_id}/tokens", json={}, headers=bearer(admin))
    assert_problem(revoked, 409)
    assert "revoked" in revoked.json["detail"]


def test_an_account_revokes_one_of_its_tokens_and_keeps_the_others(
    app: flask.Flask, client: FlaskClient
) -> None:
    _, admin = _account(app, "admin")
    account_id, kept = _account(app, "backer")
    doomed = client.post(f"{API}/accounts/{account_id}/tokens", json={}, headers=bearer(admin)).json
    assert client.get(f"{API}/me", headers=bearer(doomed["token"])).status_code == 200

    revoked = client.post(
        f"{API}/tokens/{doomed['token_id']}/revoke",
        json={"reason": "laptop lost"},
        headers=bearer(kept),
    )

    assert revoked.status_code == 200, revoked.json
    assert revoked.json["token_id"] == doomed["token_id"]
    assert revoked.json["account_id"] == str(account_id)
    assert revoked.json["expires_at"] == doomed["expires_at"]
    refused = client.get(f"{API}/me", headers=bearer(doomed["token"]))
    assert_problem(refused, 401)
    assert "token has been revoked" in refused.json["detail"]
    assert client.get(f"{API}/me", headers=bearer(kept)).json["account_id"] == str(account_id)

    event = _account_events(app)[-1]
    assert event.type == "token.revoked" and event.key == str(account_id)
    assert event.payload["token_id"] == uuid.UUID(doomed["token_id"])
    assert event.payload["reason"] == "laptop lost"
    assert event.payload["expires_at"] == datetime.fromisoformat(doomed["expires_at"])

    again = client.post(f"{API}/tokens/{doomed['token_id']}/revoke", json={}, headers=bearer(kept))
    assert_problem(again, 409)


def test_only_the_owner_or_an_admin_revokes_a_token(app: flask.Flask, client: FlaskClient) -> None:
    _, admin = _account(app, "admin")
    owner_id, owner = _account(app, "creator")
    _, stranger = _account(app, "creator")
    token_id = _claims(owner)["jti"]
    before = snapshot(app)

    assert_problem(
        client.post(f"{API}/tokens/{token_id}/revoke", json={}, headers=bearer(stranger)), 403
    )
    assert_problem(
        client.post(f"{API}/tokens/{UNKNOWN}/revoke", json={}, headers=bearer(admin)), 404
    )
    assert_problem(
        client.post(f"{API}/tokens/{token_id}/revoke", json={"reason": 7}, headers=bearer(admin)),
        422,
        "reason",
    )
    assert snapshot(app) == before

    by_admin = client.post(f"{API}/tokens/{token_id}/revoke", json={}, headers=bearer(admin))
    assert by_admin.status_code == 200, by_admin.json
    assert by_admin.json["account_id"] == str(owner_id)
    assert_problem(client.get(f"{API}/me", headers=bearer(owner)), 401)


def _cli_env(app: flask.Flask, tmp_path: Path) -> dict[str, str]:
    settings = app.extensions["fundtrail"].settings
    return {
        "PLEDGES_DATABASE_URL": settings.database_url,
        "FUNDTRAIL_VAR_DIR": str(tmp_path),
        "FUNDTRAIL_LOG_FORMAT": "json",
    }


def test_the_cli_creates_with_a_lifetime_issues_fresh_tokens_and_revokes_one(
    app: flask.Flask, client: FlaskClient, tmp_path: Path
) -> None:
    env = _cli_env(app, tmp_path)
    runner = CliRunner()
    created = runner.invoke(
        fundtrail_cli,
        [
            "accounts",
            "create",
            "--role",
            "auditor",
            "--name",
            "Ada",
            "--expires-in",
            "12h",
            "--json",
        ],
        env=env,
    )
    assert created.exit_code == 0, created.output
    account = json.loads(created.output)
    assert set(account) == {"id", "token", "token_id", "expires_at"}
    assert _near(account["expires_at"], datetime.now(UTC) + timedelta(hours=12))

    fresh = runner.invoke(
        fundtrail_cli, ["accounts", "token", account["id"], "--expires-in", "2w", "--json"], env=env
    )
    assert fresh.exit_code == 0, fresh.output
    token = json.loads(fresh.output)
    assert token["id"] == account["id"]
    assert _near(token["expires_at"], datetime.now(UTC) + timedelta(weeks=2))

    revoked = runner.invoke(fundtrail_cli, ["accounts", "revoke-token", token["token_id"]], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert_problem(client.get(f"{API}/me", headers=bearer(token["token"])), 401)
    assert client.get(f"{API}/me", headers=bearer(account["token"])).status_code == 200

    bad = runner.invoke(
        fundtrail_cli, ["accounts", "token", account["id"], "--expires-in", "soon"], env=env
    )
    assert bad.exit_code == 2 and "not a duration" in bad.output
    unknown = runner.invoke(fundtrail_cli, ["accounts", "revoke-token", UNKNOWN], env=env)
    assert unknown.exit_code == 1 and "no token" in unknown.output
