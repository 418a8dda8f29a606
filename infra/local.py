"""`make run`: everything Fundtrail needs, started on this machine and stopped by one Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys

import click

from infra.broker import DEFAULT_DATA_DIR, LocalBroker, ensure_topics
from infra.supervisor import Supervisor, stop_on_signals
from services.registry import NAMES, service_spec
from services.site.settings import PORT as SITE_PORT
from shared.auth import load_or_create_signing_key, public_key_text
from shared.config import Settings
from shared.migrations import upgrade
from shared.sealing import LinkOpener
from shared.topics import ALL_TOPICS


def _fundtrail(*args: str) -> list[str]:
    return [sys.executable, "-m", "services", *args]


def processes() -> dict[str, list[str]]:
    """Every long-running process of a local Fundtrail, by name."""
    commands: dict[str, list[str]] = {}
    for name in NAMES:
        commands[f"{name}-web"] = _fundtrail("serve", name)
        commands[f"{name}-worker"] = _fundtrail("worker", name)
    # The site for people: pages over the three services' APIs, with no database of its own.
    commands["site-web"] = _fundtrail("serve", "site")
    # Campaigns whose deadline passed are settled within a minute, with no one asking.
    commands["pledges-settler"] = _fundtrail("settle", "--every", "60")
    return commands


#: Partitions per topic when `make run` creates them: at most this many workers of a service
#: share its consumption (a campaign's events stay in one partition, so in order); extra ones idle.
DEFAULT_PARTITIONS = 3


def topic_partitions() -> int:
    """How many partitions new topics get: $FUNDTRAIL_KAFKA_PARTITIONS, default 3. Topics that
    exist keep theirs (adding partitions moves campaigns between them: see docs/operations.md)."""
    from environs import Env

    partitions = Env().int("FUNDTRAIL_KAFKA_PARTITIONS", DEFAULT_PARTITIONS)
    if partitions < 1:
        raise ValueError("FUNDTRAIL_KAFKA_PARTITIONS must be 1 or more")
    return partitions


def run_everything() -> int:
    # Until the supervisor takes over, SIGTERM unwinds like Ctrl-C through the `finally` below,
    # so a stop during the broker's start-up does not leave the broker running.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    broker: LocalBroker | None = None
    supervisor: Supervisor | None = None
    try:
        if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
            servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
            click.echo(f"Using the Kafka cluster at {servers}")
        else:
            broker = LocalBroker(DEFAULT_DATA_DIR)
            click.echo("Starting a local Kafka broker (the first run fetches its jars)...")
            broker.start()
            servers = broker.bootstrap_servers
        ensure_topics(servers, ALL_TOPICS, partitions=topic_partitions())
        for name in NAMES:
            upgrade(name, Settings.load(name).database_url)
        # Made once here so that the services, starting together, do not race to create it.
        # Only pledges reads the private key; the ledger and updates get its public half.
        pledges = Settings.load("pledges")
        token_key = load_or_create_signing_key(
            pledges.token_signing_key_file, pledges.public_key_file
        )

        # Likewise the updates service's link key pair: pledges seals mailed links with the
        # public half, which it must have before its first sign-up.
        updates = Settings.load("updates")
        link_key = LinkOpener.from_key_file(updates.link_key_path, updates.link_public_key_path)

        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": servers,
            "FUNDTRAIL_TOKEN_PUBLIC_KEY": public_key_text(token_key),
            "FUNDTRAIL_LINK_PUBLIC_KEY": link_key.public_key_text,
            # The site calls pledges from this machine on behalf of each person: believe the
            # address it forwards (in production, list only the site's own address).
            "FUNDTRAIL_TRUSTED_PROXIES": os.environ.get(
                "FUNDTRAIL_TRUSTED_PROXIES", "127.0.0.1,::1"
            ),
        }
        stop = stop_on_signals()
        supervisor = Supervisor(processes(), env=env)
        supervisor.start()
        click.echo(f"\n  site     http://127.0.0.1:{SITE_PORT}/   <- open this one")
        for name in NAMES:
            port = service_spec(name).port
            click.echo(f"  {name:8} http://127.0.0.1:{port}/api/v1/docs")
        click.echo(f"  kafka    {servers}\nPress Ctrl-C to stop everything.\n")
        supervisor.run(stop)  # restarts a crashed process, until Ctrl-C or SIGTERM
        click.echo("\nStopping...")
        return 0
    except KeyboardInterrupt:
        click.echo("\nStopping...")
        return 130
    finally:
        stop_on_signals()  # a second Ctrl-C must not cut the clean-up short
        if supervisor is not None:
            supervisor.stop()
        if broker is not None:
            click.echo("Stopping the local Kafka broker...")
            broker.stop()


__all__ = ["processes", "run_everything", "topic_partitions"]
