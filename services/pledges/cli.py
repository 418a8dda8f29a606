"""The pledges service's commands: `fundtrail accounts create|revoke` and `fundtrail settle`."""

from __future__ import annotations

import json
import signal
import threading
import uuid
from collections.abc import Callable
from types import FrameType
from typing import Any, cast

import click
import sqlalchemy as sa

from services.pledges import commands, handlers
from services.pledges.bootstrap import SERVICE
from services.pledges.domain import RecordOnlyGateway
from services.pledges.domain.errors import DomainError
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import ROLES, TokenIssuer, load_or_create_signing_key
from shared.config import Settings
from shared.db import make_engine
from shared.logging import configure_logging, get_logger

log = get_logger(__name__)


def _pledges() -> tuple[Settings, Any]:
    settings = Settings.load("pledges")
    return settings, SERVICE.uow_factory(make_engine(settings.database_url), settings)()


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


@click.command()
@click.option(
    "--every",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="Keep running, settling every SECONDS until interrupted (default: settle once).",
)
def settle(every: float | None) -> None:
    """Settle every live campaign whose deadline has passed.

    All-or-nothing campaigns that reached their goal, and all flexible ones, collect their
    pledges; the others release them. Settling is exactly-once, so running this beside the API
    (or twice) is safe.
    """
    settings = Settings.load("pledges")
    configure_logging(settings.log_format)
    engine = make_engine(settings.database_url)
    uow_factory = cast(Callable[[], PledgesUnitOfWork], SERVICE.uow_factory(engine, settings))

    try:
        if every is None:
            _settle_round(uow_factory, echo=True)
            return
        stop = threading.Event()

        def request_stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        log.info("settler.started", every=every)
        while not stop.is_set():
            try:
                _settle_round(uow_factory, echo=False)
            except sa.exc.DBAPIError as exc:
                # The database may be restarting; the next round tries again.
                log.warning("settler.database_unavailable", error=str(exc))
            stop.wait(every)
        log.info("settler.stopped")
    finally:
        engine.dispose()


def _settle_round(uow_factory: Callable[[], PledgesUnitOfWork], *, echo: bool) -> None:
    done = handlers.settle_due(uow_factory, RecordOnlyGateway)
    if echo:
        for outcome in done:
            campaign = outcome.campaign
            click.echo(
                f"{campaign.id} {campaign.status.value} "
                f"({campaign.backers_count} pledges, {campaign.pledged_amount} "
                f"{campaign.currency})"
            )
        click.echo(f"Settled {len(done)} campaign(s).")
