"""The `fundtrail` command: run, serve, migrate, and each service's own commands."""

from __future__ import annotations

import importlib
import os
import sys

import click

from services.registry import NAMES, service_spec

SERVICE = click.Choice(NAMES)
#: `serve` also serves the site for people, which is no service of its own (it owns no data).
SERVABLE = click.Choice((*NAMES, "site"))


#: The services' own commands and the broker's, imported when run or listed: `fundtrail verify`
#: must not spend seconds importing Flask, WeasyPrint and every service before checking a line.
_SERVICE_COMMANDS = {
    "kafka": "infra.broker:kafka_cli",
    "accounts": "services.pledges.cli:accounts",
    "settle": "services.pledges.cli:settle",
    "payments": "services.pledges.payments_cli:payments",
    "verify": "services.ledger.cli:verify",
    "log": "services.ledger.cli:log",
    "export": "services.ledger.cli:export",
}


class _LazyGroup(click.Group):
    """A group whose service commands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_SERVICE_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _SERVICE_COMMANDS and cmd_name not in self.commands:
            module, name = _SERVICE_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Fundtrail: crowdfunding that can prove where the money went."""


@main.command()
@click.argument("services", nargs=-1, type=SERVICE)
def migrate(services: tuple[str, ...]) -> None:
    """Bring the databases of SERVICES (default: all) to the latest schema."""
    from shared.config import Settings
    from shared.migrations import upgrade

    for name in services or NAMES:
        settings = Settings.load(name)
        upgrade(name, settings.database_url)
        click.echo(f"{name}: migrated")


@main.command()
@click.argument("service", type=SERVABLE)
@click.option(
    "--host",
    default=lambda: os.environ.get("FUNDTRAIL_BIND_HOST", "127.0.0.1"),
    show_default="127.0.0.1 or $FUNDTRAIL_BIND_HOST",
    help="Address to listen on.",
)
@click.option("--port", type=int, default=None, help="Port (default: the service's own).")
@click.option("--workers", default=1, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=8, show_default=True, help="Threads per worker.")
def serve(service: str, host: str, port: int | None, workers: int, threads: int) -> None:
    """Serve SERVICE's HTTP API, or the site for people (`site`), with gunicorn."""
    if service == "site":
        from services.site.settings import APP_FACTORY, PORT

        default_port, app_factory = PORT, APP_FACTORY
    else:
        spec = service_spec(service)
        default_port, app_factory = spec.port, spec.app_factory
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # prometheus-client's multiprocess mode: each process writes its figures to files in
        # this (new, empty) folder and /metrics sums them (shared/web/ops.py). Read by
        # prometheus-client when gunicorn's processes import it, so set before exec.
        import tempfile  # here: every command, `fundtrail verify` too, would pay for it at start

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"fundtrail-{service}-")
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"{host}:{port or default_port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        # Request lines without query strings, referrers' queries or link tokens in paths.
        "--logger-class",
        "shared.web.access_log.AccessLog",
        "--graceful-timeout",
        "10",
        # Three services share one machine; gunicorn's default control socket path would clash.
        "--no-control-socket",
        app_factory,
    ]
    os.execv(sys.executable, argv)


@main.command()
@click.argument("service", type=SERVICE)
def worker(service: str) -> None:
    """Run SERVICE's outbox relay and event consumer until interrupted."""
    from services.registry import bootstrap
    from shared.worker import run_worker

    run_worker(bootstrap(service))


@main.command()
def run() -> None:
    """Start Kafka (unless KAFKA_BOOTSTRAP_SERVERS is set), migrate, and run every service."""
    from infra.local import run_everything

    sys.exit(run_everything())
