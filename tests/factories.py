"""Test data and apps: services built on real databases, accounts with real tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask

from services.registry import service_spec
from shared.auth import TokenIssuer, load_or_create_signing_key
from shared.migrations import upgrade


def service_settings(
    service: str, database_url: str, var_dir: Path, kafka: str = "localhost:1", **extra: Any
) -> dict[str, Any]:
    """Settings overrides for one service in a test: its own database, a shared key folder."""
    return {
        "database_url": database_url,
        "var_dir": var_dir,
        "token_signing_key_file": var_dir / "keys" / "token-signing.key",
        "kafka_bootstrap_servers": kafka,
        # A group of its own per test, so no test consumes another's offsets.
        "consumer_group_prefix": f"test-{uuid.uuid4().hex[:8]}",
        **extra,
    }


def make_app(service: str, database_url: str, var_dir: Path, **settings: Any) -> flask.Flask:
    """A migrated service app on `database_url`."""
    import importlib

    upgrade(service, database_url)
    create_app = importlib.import_module(f"services.{service}.app").create_app
    app: flask.Flask = create_app(
        {"TESTING": True, "SETTINGS": service_settings(service, database_url, var_dir, **settings)}
    )
    return app


def issue_token(var_dir: Path, role: str, account_id: uuid.UUID | None = None) -> str:
    """A token signed with the test key, as the pledges service would issue it."""
    key = load_or_create_signing_key(var_dir / "keys" / "token-signing.key")
    return TokenIssuer(key).issue(account_id or uuid.uuid4(), role)


def create_account(
    pledges_app: flask.Flask, role: str, name: str = "Test"
) -> tuple[uuid.UUID, str]:
    """A real account in the pledges service (outbox row included); returns (id, token)."""
    from services.pledges import commands, handlers

    context = pledges_app.extensions["fundtrail"]
    new = handlers.create_account(
        commands.CreateAccount(role=role, name=name),
        context.uow_factory(),
        context.extra["token_issuer"],
    )
    return new.account.id, new.token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def campaign_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /campaigns` body; override any field."""
    body: dict[str, Any] = {
        "title": f"Campaign {uuid.uuid4().hex[:6]}",
        "description": "A board game about **trust**.",
        "goal_amount": 500_000,
        "currency": "EUR",
        "deadline": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "funding_model": "all_or_nothing",
        "tiers": [{"name": "A copy", "min_amount": 3_000, "limit": 100}],
        "budget": [{"category": "printing", "amount": 300_000}],
    }
    body.update(overrides)
    return body


__all__ = [
    "bearer",
    "campaign_body",
    "create_account",
    "issue_token",
    "make_app",
    "service_settings",
    "service_spec",
]
