"""Only the pledges service holds the token-signing private key; the others verify with the public
half, refuse to start without it, and refuse expired tokens like pledges does."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest

from shared.auth import (
    MissingPublicKey,
    TokenIssuer,
    load_or_create_signing_key,
    public_key_text,
)
from shared.migrations import upgrade
from tests.factories import bearer

VERIFIERS = ("ledger", "updates")


def _build(service: str, database_url: str, var_dir: Path, **settings: Any) -> flask.Flask:
    upgrade(service, database_url)
    create_app = importlib.import_module(f"services.{service}.app").create_app
    overrides = {
        "database_url": database_url,
        "var_dir": var_dir,
        "token_signing_key_file": var_dir / "keys" / "token-signing.key",
        "token_public_key": "",
        "kafka_bootstrap_servers": "localhost:1",
        **settings,
    }
    app: flask.Flask = create_app({"TESTING": True, "SETTINGS": overrides})
    return app


def _token_files(var_dir: Path) -> list[Path]:
    return sorted(path for path in var_dir.rglob("*") if "token" in path.name)


@pytest.mark.parametrize("service", VERIFIERS)
def test_on_an_empty_var_the_verifiers_refuse_to_start_and_make_no_key(
    service: str, sqlite_url: str, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    with pytest.raises(MissingPublicKey, match="FUNDTRAIL_TOKEN_PUBLIC_KEY"):
        _build(service, sqlite_url, var_dir)
    assert not (var_dir / "keys" / "token-signing.key").exists()
    assert _token_files(var_dir) == []


@pytest.mark.parametrize("service", VERIFIERS)
def test_the_verifiers_use_the_public_key_they_are_given_and_never_the_private_one(
    service: str, database_url: str, tmp_path: Path
) -> None:
    issuer_key = load_or_create_signing_key(tmp_path / "elsewhere" / "token-signing.key")
    var_dir = tmp_path / "var"
    app = _build(service, database_url, var_dir, token_public_key=public_key_text(issuer_key))
    try:
        client = app.test_client()
        account_id = uuid.uuid4()
        fresh = TokenIssuer(issuer_key).issue(account_id, "auditor")
        assert client.get("/api/v1/me", headers=bearer(fresh)).json == {
            "account_id": str(account_id),
            "role": "auditor",
        }
        month_ago = datetime.now(UTC) - timedelta(days=31)
        expired = TokenIssuer(issuer_key).issue(account_id, "auditor", now=month_ago)
        refused = client.get("/api/v1/me", headers=bearer(expired))
        assert refused.status_code == 401 and refused.mimetype == "application/problem+json"
        assert "expired" in refused.json["detail"]
        assert _token_files(var_dir) == []
    finally:
        app.extensions["fundtrail"].engine.dispose()


def test_pledges_writes_the_public_key_file_the_others_read(
    sqlite_url: str, tmp_path: Path
) -> None:
    var_dir = tmp_path / "var"
    pledges = _build("pledges", sqlite_url, var_dir)
    public_file = var_dir / "keys" / "token-signing.pub"
    assert public_file.read_text().strip() == public_key_text(
        load_or_create_signing_key(var_dir / "keys" / "token-signing.key")
    )
    ledger = _build("ledger", f"sqlite:///{tmp_path / 'ledger.db'}", var_dir)
    try:
        account_id = uuid.uuid4()
        token = pledges.extensions["fundtrail"].token_issuer.issue(account_id, "creator")
        me = ledger.test_client().get("/api/v1/me", headers=bearer(token))
        assert me.json == {"account_id": str(account_id), "role": "creator"}
    finally:
        for app in (pledges, ledger):
            app.extensions["fundtrail"].engine.dispose()
