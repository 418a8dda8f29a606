"""The `make run` supervisor with small real child processes: restarts, backoff, a clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from infra.supervisor import Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def with_grandchild(pid_file: Path) -> list[str]:
    """A child that starts a grandchild (as gunicorn starts workers) and writes its pid."""
    code = (
        "import pathlib, subprocess, sys, time\n"
        "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"pathlib.Path({str(pid_file)!r}).write_text(str(g.pid))\n"
        "time.sleep(120)\n"
    )
    return [sys.executable, "-c", code]


STUBBORN = [
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)",
]


def alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    return True


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def running() -> Iterator[Callable[..., tuple[Supervisor, list[str]]]]:
    """Starts a supervisor watching in a thread; stops it (and checks the stop) afterwards."""
    started: list[tuple[Supervisor, threading.Event, threading.Thread]] = []

    def start(commands: dict[str, list[str]], **options: float) -> tuple[Supervisor, list[str]]:
        lines: list[str] = []
        supervisor = Supervisor(commands, echo=lines.append, poll_interval=0.02, **options)
        supervisor.start()
        stop = threading.Event()
        watcher = threading.Thread(target=supervisor.run, args=(stop,))
        watcher.start()
        started.append((supervisor, stop, watcher))
        return supervisor, lines

    yield start
    for supervisor, stop, watcher in started:
        stop.set()
        watcher.join(5)
        supervisor.stop(timeout=5)


def pid_of(supervisor: Supervisor, name: str) -> int:
    process = supervisor.children[name].process
    assert process is not None
    return process.pid


def test_a_killed_child_is_restarted_with_doubling_backoff_and_a_log_line(
    running: Callable[..., tuple[Supervisor, list[str]]],
) -> None:
    supervisor, lines = running(
        {"worker": SLEEPER, "web": SLEEPER}, initial_backoff=0.2, max_backoff=0.5
    )
    web = pid_of(supervisor, "web")
    delays = []
    for _ in range(3):
        old = pid_of(supervisor, "worker")
        killed_at = time.monotonic()
        os.kill(old, signal.SIGKILL)
        wait_for(lambda old=old: pid_of(supervisor, "worker") != old)  # type: ignore[misc]
        delays.append(time.monotonic() - killed_at)
        new = pid_of(supervisor, "worker")
        assert alive(new)
        assert f"worker (pid {old}) was killed by SIGKILL; restarting in" in lines[-2]
        assert lines[-1] == f"worker restarted (pid {new})"

    assert [line.rpartition(" ")[2] for line in lines[::2]] == ["0.2s", "0.4s", "0.5s"]
    assert delays[0] >= 0.2 and delays[1] >= 0.4 and delays[2] >= 0.5
    assert supervisor.children["worker"].restarts == 3
    assert pid_of(supervisor, "web") == web  # the others were left alone
    assert alive(web)


def test_the_backoff_starts_over_once_a_child_ran_a_while(
    running: Callable[..., tuple[Supervisor, list[str]]],
) -> None:
    supervisor, lines = running({"worker": SLEEPER}, initial_backoff=0.1, healthy_after=0.5)
    for pause in (0.0, 0.0, 0.7):  # two quick crashes, then one after a healthy run
        old = pid_of(supervisor, "worker")
        time.sleep(pause)
        os.kill(old, signal.SIGKILL)
        wait_for(lambda old=old: pid_of(supervisor, "worker") != old)  # type: ignore[misc]
    assert [line.rpartition(" ")[2] for line in lines[::2]] == ["0.1s", "0.2s", "0.1s"]


def test_a_child_that_exits_by_itself_is_restarted_too(
    running: Callable[..., tuple[Supervisor, list[str]]],
) -> None:
    supervisor, lines = running(
        {"settler": [sys.executable, "-c", "raise SystemExit(3)"]}, initial_backoff=0.05
    )
    wait_for(lambda: supervisor.children["settler"].restarts >= 2)
    assert "exited with 3; restarting in 0.05s" in lines[0]


def test_stop_leaves_no_process_behind(
    running: Callable[..., tuple[Supervisor, list[str]]], tmp_path: Path
) -> None:
    grandchild_file = tmp_path / "grandchild.pid"
    supervisor, lines = running(
        {"web": with_grandchild(grandchild_file), "worker": SLEEPER, "stubborn": STUBBORN},
        initial_backoff=0.1,
    )
    wait_for(lambda: grandchild_file.exists() and grandchild_file.read_text() != "")
    os.kill(pid_of(supervisor, "worker"), signal.SIGKILL)
    wait_for(lambda: supervisor.children["worker"].restarts == 1)
    pids = [pid_of(supervisor, name) for name in supervisor.children]
    pids.append(int(grandchild_file.read_text()))
    assert all(alive(pid) for pid in pids)

    supervisor.stop(timeout=1)

    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=5)
    assert any("ignored SIGTERM; killing it" in line for line in lines)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_stops_the_supervisor_and_every_child(
    signum: signal.Signals, tmp_path: Path
) -> None:
    grandchild_file = tmp_path / "grandchild.pid"
    script = (
        "import json, sys\n"
        "from infra.supervisor import Supervisor, stop_on_signals\n"
        f"commands = {{'web': {with_grandchild(grandchild_file)!r}, 'worker': {SLEEPER!r}}}\n"
        "supervisor = Supervisor(commands, poll_interval=0.02)\n"
        "stop = stop_on_signals()\n"
        "try:\n"
        "    supervisor.start()\n"
        "    print(json.dumps([c.process.pid for c in supervisor.children.values()]), flush=True)\n"
        "    supervisor.run(stop)\n"
        "finally:\n"
        "    supervisor.stop(timeout=5)\n"
        "print('stopped', flush=True)\n"
    )
    # As a context, the process is reaped and its pipe closed even when the test fails: left to
    # the garbage collector, they warned in whichever test of this worker came next.
    with subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    ) as process:
        try:
            assert process.stdout is not None
            pids = json.loads(process.stdout.readline())
            wait_for(lambda: grandchild_file.exists() and grandchild_file.read_text() != "")
            pids.append(int(grandchild_file.read_text()))

            process.send_signal(signum)
            out, _ = process.communicate(timeout=15)
        finally:
            process.kill()
    assert process.returncode == 0
    assert out == "stopped\n"
    wait_for(lambda: not any(alive(pid) for pid in pids), timeout=5)


def test_a_signal_landing_while_the_stop_event_is_locked_still_stops() -> None:
    """The handler runs between two bytecodes of the main thread, here while it holds the lock
    that `stop.wait()` holds most of the time it runs Python code: it must not wait for it."""
    script = (
        "import os, signal\n"
        "from infra.supervisor import stop_on_signals\n"
        "stop = stop_on_signals()\n"
        "with stop._cond:\n"  # the lock Event.wait() and Event.set() take
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "print(stop.wait(5), flush=True)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=Path(__file__).parents[2],
    )
    assert (finished.returncode, finished.stdout) == (0, "True\n")
