"""`make run`: everything Fundtrail needs, started on this machine and stopped by one Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType

import click

from infra.broker import DEFAULT_DATA_DIR, LocalBroker, ensure_topics
from services.registry import NAMES, service_spec
from shared.auth import load_or_create_signing_key
from shared.config import Settings
from shared.migrations import upgrade
from shared.topics import ALL_TOPICS


def _fundtrail(*args: str) -> list[str]:
    return [sys.executable, "-m", "services", *args]


def processes() -> dict[str, list[str]]:
    """Every long-running process of a local Fundtrail, by name."""
    commands: dict[str, list[str]] = {}
    for name in NAMES:
        commands[f"{name}-web"] = _fundtrail("serve", name)
        commands[f"{name}-worker"] = _fundtrail("worker", name)
    # Campaigns whose deadline passed are settled within a minute, with no one asking.
    commands["pledges-settler"] = _fundtrail("settle", "--every", "60")
    return commands


def run_everything() -> int:
    broker: LocalBroker | None = None
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        servers = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        click.echo(f"Using the Kafka cluster at {servers}")
    else:
        broker = LocalBroker(DEFAULT_DATA_DIR)
        click.echo("Starting a local Kafka broker (the first run fetches its jars with Maven)...")
        broker.start()
        servers = broker.bootstrap_servers
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        ensure_topics(servers, ALL_TOPICS)
        for name in NAMES:
            upgrade(name, Settings.load(name).database_url)
        # Made once here so that the services, starting together, do not race to create it.
        load_or_create_signing_key(Settings.load("pledges").token_signing_key_file)

        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": servers}
        for name, command in processes().items():
            children[name] = subprocess.Popen(command, env=env)
        click.echo("")
        for name in NAMES:
            port = service_spec(name).port
            click.echo(f"  {name:8} http://127.0.0.1:{port}/api/v1/docs")
        click.echo(f"  kafka    {servers}\nPress Ctrl-C to stop everything.\n")
        return _supervise(children)
    finally:
        _stop_all(children)
        if broker is not None:
            click.echo("Stopping the local Kafka broker...")
            broker.stop()


def _supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait for Ctrl-C/SIGTERM, or for a child to die (then stop the rest)."""
    stopping = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                click.echo(f"{name} exited with {child.returncode}; stopping everything.", err=True)
                return 1
        time.sleep(0.5)
    click.echo("\nStopping...")
    return 0


def _stop_all(children: dict[str, subprocess.Popen[bytes]], timeout: float = 15) -> None:
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children.values():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


__all__ = ["processes", "run_everything"]
