"""`fundtrail verify` starts without importing the services' web stacks, and every command is
still there: the commands load lazily (issue 17: start-up was most of a verify's time)."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from services.cli import main


def test_the_verify_command_loads_without_flask_or_weasyprint() -> None:
    probe = (
        "import sys; from services.cli import main; "
        "main.get_command(None, 'verify'); "
        "print(sorted(m for m in ('flask', 'weasyprint', 'kafka', 'multiprocessing', "
        "'concurrent.futures', 'tempfile') if m in sys.modules))"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert finished.stdout.strip() == "[]"


def test_every_command_is_listed_and_runs_its_help() -> None:
    listed = CliRunner().invoke(main, ["--help"])
    for command in ("accounts", "export", "kafka", "log", "migrate", "payments", "run", "serve",
                    "settle", "verify", "worker"):  # fmt: skip
        assert f"  {command} " in listed.output
        shown = CliRunner().invoke(main, [command, "--help"])
        assert shown.exit_code == 0, shown.output
        assert f"Usage: main {command}" in shown.output
