"""The pledges service's commands: `fundtrail accounts create|token|revoke|revoke-token` and
`fundtrail settle`."""

from __future__ import annotations

import json
import signal
import threading
import uuid
from datetime import timedelta
from types import FrameType

import click
import sqlalchemy as sa

from services.pledges import commands, handlers
from services.pledges.bootstrap import PledgesDependencies, bootstrap
from services.pledges.domain.errors import DomainError
from services.pledges.handlers.accounts import issue_token, revoke_token
from shared.auth import ROLES, IssuedToken, check_lifetime, parse_duration
from shared.logging import configure_logging, get_logger

log = get_logger(__name__)


def _pledges() -> PledgesDependencies:
    """The service's composition root, as the app and the worker build it; its connections
    are closed when the command ends."""
    dependencies = bootstrap()
    click.get_current_context().call_on_close(dependencies.engine.dispose)
    return dependencies


@click.group()
def accounts() -> None:
    """Create and revoke accounts and their tokens (the pledges service owns them)."""


class Duration(click.ParamType):
    """A token lifetime on the command line: `90d`, `12h`, `30m`, `2w` or seconds."""

    name = "duration"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> timedelta:
        if isinstance(value, timedelta):
            return value
        try:
            return check_lifetime(parse_duration(str(value)))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


_EXPIRES_IN = click.option(
    "--expires-in",
    "lifetime",
    type=Duration(),
    default=None,
    metavar="DURATION",
    help="How long the token lives: 90d, 12h, 30m, 2w or seconds "
    "(default: FUNDTRAIL_TOKEN_LIFETIME, 30d).",
)


def _token_json(issued: IssuedToken, **more: str) -> str:
    return json.dumps(
        {
            **more,
            "token": issued.token,
            "token_id": str(issued.token_id),
            "expires_at": issued.expires_at.isoformat(),
        }
    )


@accounts.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--name", required=True, help="The account holder's name.")
@click.option("--email", default=None, help="Where notifications go (optional).")
@_EXPIRES_IN
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"id", "token", "token_id", "expires_at"}.',
)
def create(
    role: str, name: str, email: str | None, lifetime: timedelta | None, as_json: bool
) -> None:
    """Create an account and print its token (shown once)."""
    pledges = _pledges()
    try:
        new = handlers.create_account(
            commands.CreateAccount(role, name, email, token_lifetime=lifetime),
            pledges.uow_factory(),
            pledges.token_issuer,
        )
    except DomainError as exc:
        raise click.BadParameter(exc.message, param_hint=f"--{exc.field}") from None
    if as_json:
        click.echo(_token_json(new.issued, id=str(new.account.id)))
    else:
        click.echo(
            f"Created {role} account {new.account.id}\nToken (shown once): {new.token}\n"
            f"Token id {new.issued.token_id}, expires {new.issued.expires_at.isoformat()}"
        )


@accounts.command("token")
@click.argument("account_id", type=click.UUID)
@_EXPIRES_IN
@click.option("--json", "as_json", is_flag=True, help='Print {"id", "token", "token_id", ...}.')
def token(account_id: uuid.UUID, lifetime: timedelta | None, as_json: bool) -> None:
    """Issue a fresh token for an existing account (its other tokens stay valid)."""
    pledges = _pledges()
    try:
        issued = issue_token(
            commands.IssueToken(account_id, lifetime), pledges.uow_factory(), pledges.token_issuer
        )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    if as_json:
        click.echo(_token_json(issued, id=str(account_id)))
    else:
        click.echo(
            f"Token (shown once): {issued.token}\n"
            f"Token id {issued.token_id}, expires {issued.expires_at.isoformat()}"
        )


@accounts.command("revoke-token")
@click.argument("token_id", type=click.UUID)
@click.option("--reason", default="", help="Why; published with the revocation.")
def revoke_one_token(token_id: uuid.UUID, reason: str) -> None:
    """Revoke one token by its id; the account's other tokens still work."""
    pledges = _pledges()
    try:
        revoke_token(commands.RevokeToken(token_id, reason), pledges.uow_factory(), pledges.clock)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Revoked token {token_id}")


@accounts.command("revoke")
@click.argument("account_id", type=click.UUID)
@click.option("--reason", default="", help="Why; published with the revocation.")
def revoke(account_id: uuid.UUID, reason: str) -> None:
    """Revoke an account; every service refuses its tokens once it hears of it."""
    try:
        handlers.revoke_account(
            commands.RevokeAccount(account_id, reason), _pledges().uow_factory()
        )
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
    """Settle every live campaign whose deadline has passed, and drop unpaid pledges.

    All-or-nothing campaigns that reached their goal, and all flexible ones, collect their
    pledges; the others release them. Pledges whose payment failed and whose grace period is
    over are dropped. Both are exactly-once, so running this beside the API (or twice) is safe.
    """
    dependencies = bootstrap()
    configure_logging(dependencies.settings.log_format)

    try:
        if every is None:
            _settle_round(dependencies, echo=True)
            return
        stop = threading.Event()

        def request_stop(_signum: int, _frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        log.info("settler.started", every=every)
        while not stop.is_set():
            try:
                _settle_round(dependencies, echo=False)
            except sa.exc.DBAPIError as exc:
                # The database may be restarting; the next round tries again.
                log.warning("settler.database_unavailable", error=str(exc))
            stop.wait(every)
        log.info("settler.stopped")
    finally:
        dependencies.engine.dispose()


def _settle_round(dependencies: PledgesDependencies, *, echo: bool) -> None:
    done = handlers.settle_due(
        dependencies.uow_factory,
        dependencies.payment_gateway,
        dependencies.clock,
        payment_grace=dependencies.payment_settings.payment_grace,
    )
    if echo:
        for outcome in done:
            campaign = outcome.campaign
            click.echo(
                f"{campaign.id} {campaign.status.value} "
                f"({campaign.backers_count} pledges, {campaign.pledged_amount} "
                f"{campaign.currency})"
            )
        click.echo(f"Settled {len(done)} campaign(s).")
    # FUNDTRAIL_PAYMENT_GRACE decides when a failed payment's pledge is due; the deadline is
    # stored on the pledge when the payment fails, so dropping needs only the clock.
    dropped = handlers.drop_unpaid(dependencies.uow_factory, dependencies.clock)
    if echo:
        for pledge in dropped:
            click.echo(f"{pledge.id} dropped: unpaid when its grace period ended")
        click.echo(f"Dropped {len(dropped)} unpaid pledge(s).")
