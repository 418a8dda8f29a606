"""Pledges per second through the real pledges API, against one plain INSERT behind Flask.

Both are served by gunicorn with the same settings (those of `fundtrail serve`), on one scratch
PostgreSQL database, in one run, driven by `wrk` over loopback for a fixed time, with a bounded
pool of distinct requests (a new backer per pledge):

- **pledges API**: `POST /api/v1/campaigns/{id}/pledges` on `services.pledges.app:create_app()`:
  token check (Ed25519 JWT and the revocation table), campaign row lock, pledge insert, campaign
  tallies, and the `pledge.created` outbox row, in one transaction.
- **plain INSERT**: a minimal Flask endpoint reading the same JSON and inserting one row.

    python -m bench.pledges_api --seconds 10 --repeats 3
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import flask
import sqlalchemy as sa

from bench.common import machine_description, postgres_scratch_database, write_results
from infra.broker import find_free_port
from shared.db import make_engine
from shared.migrations import upgrade

NAME = "pledges_api"
PLAIN_URL_ENV = "BENCH_PLAIN_DATABASE_URL"

_plain_metadata = sa.MetaData()
plain_pledges = sa.Table(
    "bench_plain_pledges",
    _plain_metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, nullable=False),
    sa.Column("backer_id", sa.Uuid, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def plain_app() -> flask.Flask:
    """The baseline, for gunicorn: one JSON body in, one INSERT, one small JSON answer out."""
    engine = make_engine(os.environ[PLAIN_URL_ENV])
    app = flask.Flask(__name__)

    @app.post("/plain")
    def insert() -> tuple[dict[str, Any], int]:
        body = flask.request.get_json()
        row = {"id": uuid.uuid4(), "campaign_id": uuid.UUID(body["campaign_id"]),
               "backer_id": uuid.UUID(body["backer_id"]), "amount": int(body["amount"]),
               "created_at": datetime.now(UTC)}  # fmt: skip
        with engine.begin() as connection:
            connection.execute(plain_pledges.insert().values(**row))
        return {"id": str(row["id"]), "amount": row["amount"]}, 201

    return app


# Each wrk thread sends the requests of its own file, one per line (path, token, body), once
# each. A run is bounded by time (wrk's -d) and by the lines there are: should a thread run out,
# it repeats its last request, and a run that answered more requests than it had lines is
# refused.
WRK_SCRIPT = """
local prefix, threads = "%(prefix)s", 0
setup = function(thread) threads = threads + 1; thread:set("id", threads) end
local requests, next_request = {}, 1
init = function(args)
  for line in io.lines(prefix .. wrk.thread:get("id") .. ".tsv") do
    local path, token, body = line:match("^([^\\t]*)\\t([^\\t]*)\\t(.*)$")
    local headers = {["Content-Type"] = "application/json"}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    requests[#requests + 1] = wrk.format("POST", path, headers, body)
  end
end
request = function()
  local r = requests[next_request]
  next_request = math.min(next_request + 1, #requests)
  return r
end
"""


class Setup:
    """The scratch database, the key and accounts the pledges app trusts, its live campaigns."""

    def __init__(self, url: str, scratch: Path, campaigns: int) -> None:
        from services.pledges.bootstrap import bootstrap

        self.url, self.scratch = url, scratch
        upgrade("pledges", url)
        # The key file is named outright: Settings derives its default from $FUNDTRAIL_VAR_DIR
        # before overrides apply, so `var_dir` alone would sign with ./var's key while the
        # servers (FUNDTRAIL_VAR_DIR=scratch) check with scratch's, and refuse every token.
        key_file = scratch / "keys" / "token-signing.key"
        pledges = bootstrap(
            {"database_url": url, "var_dir": scratch, "token_signing_key_file": key_file}
        )
        self.engine = pledges.engine
        _plain_metadata.create_all(self.engine)
        self.uow = pledges.uow_factory
        self.issuer = pledges.token_issuer
        self.campaigns = self._live_campaigns(campaigns)

    def _live_campaigns(self, count: int) -> list[uuid.UUID]:
        from services.pledges.domain import Campaign
        from services.pledges.domain.accounts import Account

        now = datetime.now(UTC)
        creator = Account.open(role="creator", name="Bench creator", email=None, now=now)
        campaigns = [
            Campaign.create(creator_id=creator.id, title=f"Bench {i}", description="",
                            goal_amount=10**9, currency="EUR", now=now,
                            deadline=now + timedelta(days=30), funding_model="flexible")
            for i in range(count)
        ]  # fmt: skip
        with self.uow() as uow:
            uow.accounts.add(creator)
            for campaign in campaigns:
                campaign.launch(creator.id, now=now)
                uow.campaigns.add(campaign)
            uow.commit()
        return [campaign.id for campaign in campaigns]

    def backers(self, count: int) -> list[tuple[uuid.UUID, str]]:
        """`count` new backer accounts (written in one transaction) and their tokens."""
        from services.pledges.domain.accounts import Account

        now = datetime.now(UTC)
        accounts = [Account.open(role="backer", name="B", email=None, now=now)
                    for _ in range(count)]  # fmt: skip
        with self.uow() as uow:
            for account in accounts:
                uow.accounts.add(account)
            uow.commit()
        return [(a.id, self.issuer.issue(a.id, "backer")) for a in accounts]

    def count(self, table: str) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def serve(app_factory: str, env: dict[str, str], workers: int, threads: int) -> tuple[Any, str]:
    """gunicorn as `fundtrail serve` runs it; returns the process and its base URL at once (see
    `wait_until_up`)."""
    port = find_free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
            "--access-logfile", "-", "--graceful-timeout", "10", app_factory]  # fmt: skip
    process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the master's children (Linux /proc; none elsewhere)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used so far (those gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (after pid, comm)
    return total / os.sysconf("SC_CLK_TCK")


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
            return
        except urllib.error.HTTPError:  # the plain app has no /healthz: it answered all the same
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def drive(url: str, lines: list[str], seconds: int, threads: int, connections: int,
          scratch: Path) -> dict[str, Any]:  # fmt: skip
    """Send `lines` (split across wrk's threads) for `seconds` and read wrk's figures."""
    prefix = str(scratch / f"wrk-{uuid.uuid4().hex[:8]}-")
    for thread in range(threads):
        Path(f"{prefix}{thread + 1}.tsv").write_text("\n".join(lines[thread::threads]) + "\n")
    script = scratch / "bench.lua"
    script.write_text(WRK_SCRIPT % {"prefix": prefix})
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "--latency", "-s", str(script), url],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    out = result.stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    assert done is not None, out
    elapsed = float(done[2]) / (1000 if done[3] == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    return {"requests": int(done[1]), "seconds": elapsed, "rate": int(done[1]) / elapsed,
            "non_2xx": int(bad[1]) if bad else 0, "socket_errors": errors[0] if errors else None,
            "latency_p50": latency.get("50"), "latency_p99": latency.get("99")}  # fmt: skip


def run(seconds: int, repeats: int, workers: int, threads: int, connections: int,
        wrk_threads: int, campaigns: int, warm_up: int = 3,
        pool_size: int = 4_000) -> dict[str, Any]:  # fmt: skip
    if shutil.which("wrk") is None:
        raise click.ClickException("this benchmark needs wrk: apt-get install wrk")
    started_at, began = datetime.now(UTC), time.perf_counter()
    # Anything else busy on the machine (another test run) shows here, and skews the figures.
    load_before = [round(load, 2) for load in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="fundtrail-bench-") as tmp, \
            postgres_scratch_database() as url:  # fmt: skip
        if url is None:
            raise click.ClickException("no PostgreSQL server to measure on")
        scratch = Path(tmp)
        setup = Setup(url, scratch, campaigns)
        env = {"PLEDGES_DATABASE_URL": url, "FUNDTRAIL_VAR_DIR": str(scratch),
               "FUNDTRAIL_LOG_FORMAT": "json", PLAIN_URL_ENV: url}  # fmt: skip
        # Both start at once, then each is waited for: starting one after the other only adds.
        servers = {
            "pledges API": serve("services.pledges.app:create_app()", env, workers, threads),
            "plain INSERT": serve("bench.pledges_api:plain_app()", env, workers, threads),
        }
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
        # Plain lines cost nothing to make; each pledge line costs an account.
        pool = {"pledges API": pool_size, "plain INSERT": 10 * pool_size}
        try:
            for _, base_url in servers.values():
                wait_until_up(base_url)
            for repeat in range(-1, repeats):  # repeat -1 warms both up, unrecorded
                order = ["plain INSERT", "pledges API"]
                for name in order if repeat % 2 else reversed(order):  # alternate who goes first
                    lines, table = requests_for(setup, name, pool[name])
                    before = setup.count(table)
                    workers = worker_pids(servers[name][0].pid)
                    cpu_before = cpu_seconds(workers)
                    figures = drive(servers[name][1], lines, seconds if repeat >= 0 else warm_up,
                                    wrk_threads, connections, scratch)  # fmt: skip
                    # CPU the app's gunicorn workers spent per answer: steadier than the rate
                    # on a shared machine, whose load moves the rates by up to 2x.
                    figures["worker_cpu_ms_per_request"] = round(
                        (cpu_seconds(workers) - cpu_before) * 1000 / max(figures["requests"], 1), 3
                    )
                    figures["rows_written"] = setup.count(table) - before
                    figures["lines"] = len(lines)
                    if (figures["non_2xx"] or figures["requests"] > len(lines)
                            or figures["rows_written"] < figures["requests"]):  # fmt: skip
                        raise RuntimeError(f"{name}: failed, or ran out of requests: {figures}")
                    # Three times what this rate needs, so no later run runs out of lines.
                    pool[name] = max(pool[name], int(figures["rate"] * seconds * 3))
                    if repeat >= 0:
                        runs[name].append(figures)
                        print(f"[{repeat + 1}/{repeats}] {name}: {figures['rate']:,.0f} req/s "
                              f"({figures['requests']} in {figures['seconds']:.1f}s, "
                              f"{figures['worker_cpu_ms_per_request']:.2f} ms worker CPU each, "
                              f"p50 {figures['latency_p50']}, p99 {figures['latency_p99']})",
                              flush=True)  # fmt: skip
            outbox = setup.count("outbox")
        finally:
            # All told to stop before any is waited for: their shutdowns overlap.
            for process, _ in servers.values():
                process.terminate()
            for process, _ in servers.values():
                process.wait(30)
            setup.engine.dispose()
        machine = machine_description(url, scratch)
    machine["load_average_1_5_15_min"] = {
        "before": load_before,
        "after": [round(load, 2) for load in os.getloadavg()],
    }
    medians = {name: statistics.median(r["rate"] for r in found) for name, found in runs.items()}
    cpu = {name: statistics.median(r["worker_cpu_ms_per_request"] for r in found)
           for name, found in runs.items()}  # fmt: skip
    return {
        "benchmark": NAME,
        "started_at": started_at.isoformat(),
        "duration_s": round(time.perf_counter() - began, 1),
        "machine": machine,
        "settings": {
            "seconds_per_run": seconds,
            "warm_up_seconds": warm_up,
            "repeats": repeats,
            "statistic": "median",
            "gunicorn": {
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "access_log": "stdout (discarded)",
            },
            "load": {
                "tool": "wrk",
                "threads": wrk_threads,
                "connections": connections,
                "keep_alive": True,
            },
            "campaigns": campaigns,
            "backers": "a new account per pledge",
            "outbox_rows_after_run": outbox,
        },  # fmt: skip
        "runs": runs,
        "median_requests_per_s": {name: round(rate) for name, rate in medians.items()},
        "ratio_pledges_to_plain": round(medians["pledges API"] / medians["plain INSERT"], 3),
        "median_worker_cpu_ms_per_request": cpu,
        # The rate ratio the workers' CPU alone would allow: plain's CPU over a pledge's.
        "cpu_ratio_plain_to_pledges": round(cpu["plain INSERT"] / cpu["pledges API"], 3)
        if cpu["pledges API"]
        else None,
    }


def requests_for(setup: Setup, name: str, count: int) -> tuple[list[str], str]:
    """`count` distinct requests for the server `name`, and the table each of them adds to."""
    campaigns = [setup.campaigns[i % len(setup.campaigns)] for i in range(count)]
    if name == "plain INSERT":
        lines = [f'/plain\t\t{{"campaign_id": "{c}", "backer_id": "{uuid.uuid4()}", '
                 f'"amount": {1_000 + i}}}' for i, c in enumerate(campaigns)]  # fmt: skip
        return lines, "bench_plain_pledges"
    backers = setup.backers(count)
    lines = [
        f'/api/v1/campaigns/{c}/pledges\t{token}\t{{"amount": {1_000 + i}}}'
        for i, (c, (_, token)) in enumerate(zip(campaigns, backers, strict=True))
    ]
    return lines, "pledges"


@click.command(NAME)
@click.option(
    "--seconds",
    default=10,
    type=click.IntRange(min=1),
    show_default=True,
    help="Length of each measured run (wrk -d).",
)
@click.option(
    "--repeats",
    default=3,
    type=click.IntRange(min=1),
    show_default=True,
    help="Runs per server; the median is reported.",
)
@click.option("--workers", default=2, show_default=True, help="gunicorn worker processes.")
@click.option("--threads", default=8, show_default=True, help="Threads per gunicorn worker.")
@click.option("--connections", default=16, show_default=True, help="wrk connections.")
@click.option("--wrk-threads", default=2, show_default=True, help="wrk threads.")
@click.option(
    "--campaigns",
    default=20,
    type=click.IntRange(min=1),
    show_default=True,
    help="Live campaigns the pledges are spread over, round robin.",
)
@click.option(
    "--warm-up",
    default=3,
    type=click.IntRange(min=1),
    show_default=True,
    help="Length of the unrecorded first run of each server.",
)
@click.option(
    "--pool",
    "pool_size",
    default=4_000,
    type=click.IntRange(min=1),
    show_default=True,
    help="Pledge requests (each a new backer) made ready before the warm-up; the plain "
    "endpoint gets ten times as many. Later runs get three times what the warm-up needed.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON file to write [default: bench/results/pledges_api.json].",
)
def command(seconds: int, repeats: int, workers: int, threads: int, connections: int,
            wrk_threads: int, campaigns: int, warm_up: int, pool_size: int,
            output: Path | None) -> None:  # fmt: skip
    """Pledges/s through the pledges API (with its outbox write) against a plain INSERT endpoint,
    both under gunicorn on one scratch PostgreSQL database ($FUNDTRAIL_TEST_POSTGRES_URL)."""
    document = run(seconds, repeats, workers, threads, connections, wrk_threads, campaigns,
                   warm_up, pool_size)  # fmt: skip
    rates = document["median_requests_per_s"]
    print(
        f"\nmedian of {repeats}: pledges API {rates['pledges API']:,} req/s, plain INSERT "
        f"{rates['plain INSERT']:,} req/s, ratio {document['ratio_pledges_to_plain']:.3f}; "
        f"worker CPU per request {document['median_worker_cpu_ms_per_request']} ms, "
        f"plain/pledge {document['cpu_ratio_plain_to_pledges']}"
    )
    path = write_results(NAME, document, output)
    print(f"results written to {path} ({document['duration_s']}s in all)")


if __name__ == "__main__":
    command()
