"""The pledges service's commands: `fundtrail accounts create|revoke`."""

from __future__ import annotations

import json
import uuid

import click

from services.pledges import commands, handlers
from services.pledges.bootstrap import SERVICE
from services.pledges.domain.errors import DomainError
from shared.auth import ROLES, TokenIssuer, load_or_create_signing_key
from shared.config import Settings
from shared.db import make_engine


def _pledges() -> tuple[Settings, object]:
    settings = Settings.load("pledges")
    return settings, SERVICE.unit_of_work(make_engine(settings.database_url))


@click.group()
def accounts() -> None:
    """Create and revoke accounts (the pledges service owns them)."""


@accounts.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--name", required=True, help="The account holder's name.")
@click.option("--email", default=None, help="Where notifications go (optional).")
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ..., "token": ...}.')
def create(role: str, name: str, email: str | None, as_json: bool) -> None:
    """Create an account and print its token (shown once)."""
    settings, uow = _pledges()
    issuer = TokenIssuer(load_or_create_signing_key(settings.token_signing_key_file))
    try:
        new = handlers.create_account(commands.CreateAccount(role, name, email), uow, issuer)
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    if as_json:
        click.echo(json.dumps({"id": str(new.account.id), "token": new.token}))
    else:
        click.echo(f"Created {role} account {new.account.id}\nToken (shown once): {new.token}")


@accounts.command("revoke")
@click.argument("account_id", type=click.UUID)
@click.option("--reason", default="", help="Why; published with the revocation.")
def revoke(account_id: uuid.UUID, reason: str) -> None:
    """Revoke an account; every service refuses its tokens once it hears of it."""
    _, uow = _pledges()
    try:
        handlers.revoke_account(commands.RevokeAccount(account_id, reason), uow)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Revoked {account_id}")
