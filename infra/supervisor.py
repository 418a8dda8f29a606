"""A small process supervisor for `make run`: restart crashed children with backoff, stop all.

Each child runs in a process group of its own, so a Ctrl-C in the terminal reaches only the
supervisor, which then stops every child in order (a child that saw the Ctrl-C itself could
exit before the supervisor knew it was stopping, and be restarted). Stopping signals the whole
group, so grandchildren (gunicorn's workers) go too.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import FrameType

import click


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@dataclass
class Child:
    """One supervised command, its current process and its restart schedule."""

    name: str
    command: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    #: The delay before the next restart; doubles with each crash that comes quickly.
    backoff: float = 0.0
    #: When a crashed child is due to start again (monotonic clock), else None.
    restart_at: float | None = None
    restarts: int = field(default=0)


def describe_exit(returncode: int) -> str:
    """`exited with 3` or `was killed by SIGKILL`, for the log line."""
    if returncode < 0:
        with contextlib.suppress(ValueError):
            return f"was killed by {signal.Signals(-returncode).name}"
        return f"was killed by signal {-returncode}"
    return f"exited with {returncode}"


class Supervisor:
    """Start commands, restart any that dies (1s, 2s, 4s... up to `max_backoff`), stop them all.

    The backoff returns to `initial_backoff` once a child has run `healthy_after` seconds, so a
    crash after a day of service restarts at once while a crash loop does not spin.
    """

    def __init__(
        self,
        commands: Mapping[str, Sequence[str]],
        *,
        env: Mapping[str, str] | None = None,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        healthy_after: float = 60.0,
        poll_interval: float = 0.2,
        echo: Callable[[str], None] = _echo_err,
    ) -> None:
        self.children = {name: Child(name, list(command)) for name, command in commands.items()}
        self._env = dict(env) if env is not None else None
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self._healthy_after = healthy_after
        self._poll_interval = poll_interval
        self._echo = echo

    def start(self) -> None:
        for child in self.children.values():
            child.backoff = self._initial_backoff
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.process = subprocess.Popen(child.command, env=self._env, process_group=0)
        child.started_at = time.monotonic()
        child.restart_at = None

    def run(self, stop: threading.Event) -> None:
        """Watch the children until `stop` is set (by a signal handler, say)."""
        while not stop.is_set():
            self.check()
            stop.wait(self._poll_interval)

    def check(self) -> None:
        """Notice children that died and restart those whose backoff has passed."""
        now = time.monotonic()
        for child in self.children.values():
            process = child.process
            if child.restart_at is None and process is not None and process.poll() is not None:
                # Leftovers of the dead one (gunicorn workers) would hold its port.
                _signal_group(process, signal.SIGKILL)
                if now - child.started_at >= self._healthy_after:
                    child.backoff = self._initial_backoff
                child.restart_at = now + child.backoff
                self._echo(
                    f"{child.name} (pid {process.pid}) {describe_exit(process.returncode)}; "
                    f"restarting in {child.backoff:g}s"
                )
                child.backoff = min(child.backoff * 2, self._max_backoff)
            if child.restart_at is not None and now >= child.restart_at:
                self._spawn(child)
                child.restarts += 1
                assert child.process is not None
                self._echo(f"{child.name} restarted (pid {child.process.pid})")

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM every child's process group, SIGKILL what is left after `timeout` seconds."""
        # A child waiting for its restart was cleaned up when it died; the rest may still run.
        running = [
            c.process
            for c in self.children.values()
            if c.process is not None and c.restart_at is None
        ]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._echo(f"pid {process.pid} ignored SIGTERM; killing it")
                _signal_group(process, signal.SIGKILL)
                process.wait()
        # The leaders are gone; a grandchild that outlived its parent still has the group.
        for process in running:
            _signal_group(process, signal.SIGKILL)
        for child in self.children.values():
            child.restart_at = None


def stop_on_signals() -> threading.Event:
    """An event that SIGINT (Ctrl-C) and SIGTERM set, instead of interrupting the program.

    Installed before the children start, so a signal at any moment leads to one orderly stop;
    a second Ctrl-C while stopping does not cut the clean-up short.
    """
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        # Not stop.set() here: Python runs the handler on the main thread between two bytecodes,
        # which may be inside stop.wait() holding the event's lock; set() would then wait for
        # that lock forever (the signal module's docs warn of it). Under load the supervisor
        # hung so on Ctrl-C. A thread of its own waits for the lock while the main thread goes on.
        threading.Thread(target=stop.set, name="stop-on-signal", daemon=True).start()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return stop


def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
    # The group id is the leader's pid (process_group=0); it outlives the leader while any
    # member lives, and is not reused for a new group until all are gone.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


__all__ = ["Child", "Supervisor", "describe_exit", "stop_on_signals"]
