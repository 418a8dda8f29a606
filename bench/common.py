"""What the benchmarks share: a Kafka broker, a scratch PostgreSQL database, timing, results."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from shared.db import make_engine

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://fundtrail:fundtrail@localhost:5432/postgres"
BROKER_HEAP = "512m"
TOPIC_PARTITIONS = 3


@dataclass
class Broker:
    """The broker every figure of one run is measured on, and the topics the run created."""

    bootstrap_servers: str
    external: bool
    heap: str | None
    kafka_version: str
    topics: list[str] = field(default_factory=list)

    def new_topic(self, purpose: str, *, with_dead_letters: bool = False) -> str:
        """A fresh topic, so no measurement ever reads another one's messages."""
        # Imported on use: benchmarks without Kafka import this module too.
        from infra.broker import ensure_topics
        from shared.topics import dead_letter_topic

        name = f"bench-{purpose}-{uuid.uuid4().hex[:10]}"
        names = [name, dead_letter_topic(name)] if with_dead_letters else [name]
        ensure_topics(self.bootstrap_servers, names, partitions=TOPIC_PARTITIONS)
        self.topics.extend(names)
        return name


@contextlib.contextmanager
def kafka_broker(heap: str = BROKER_HEAP) -> Iterator[Broker]:
    """$KAFKA_BOOTSTRAP_SERVERS if set, else a local broker on free ports in a temp dir.

    The local broker is stopped and its data dir removed on the way out; on an external cluster
    the topics the run created are deleted instead.
    """
    from infra.broker import LocalBroker, find_free_port, jar_dir, kafka_version

    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        broker = Broker(external, external=True, heap=None, kafka_version="external cluster")
        try:
            yield broker
        finally:
            _delete_topics(external, broker.topics)
        return
    with tempfile.TemporaryDirectory(prefix="fundtrail-bench-kafka-") as data_dir:
        local = LocalBroker(
            Path(data_dir),
            port=find_free_port(),
            controller_port=find_free_port(),
            heap=heap,
            libs=jar_dir(),
        )
        try:
            local.start()
            yield Broker(local.bootstrap_servers, external=False, heap=heap,
                         kafka_version=kafka_version())  # fmt: skip
        finally:
            local.stop()


def _delete_topics(bootstrap_servers: str, topics: Sequence[str]) -> None:
    if not topics:
        return
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="fundtrail-bench")
    try:
        admin.delete_topics(list(topics))
    finally:
        admin.close()


@contextlib.contextmanager
def postgres_scratch_database() -> Iterator[str | None]:
    """A new PostgreSQL database, dropped afterwards; None (with a printed note) if unreachable.

    The server is $FUNDTRAIL_TEST_POSTGRES_URL, or the local one the tests use by default.
    """
    admin_url = os.environ.get("FUNDTRAIL_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"fundtrail_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:  # unreachable, or no right to create a database
        print(f"note: no scratch database on {admin.url!r} ({exc.orig}); PostgreSQL is skipped")
        admin.dispose()
        yield None
        return
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Timing:
    """Wall-clock seconds of one timed part, and the CPU seconds this process (every thread of
    it) spent meanwhile: the difference is time spent waiting, on the disk, broker or database."""

    wall: float = 0.0
    cpu: float = 0.0


@contextlib.contextmanager
def timed() -> Iterator[Timing]:
    """Time the block with time.perf_counter and time.process_time; an exception leaves the
    timing at zero, and is raised, so a failed measurement never yields a figure."""
    timing = Timing()
    wall, cpu = time.perf_counter(), time.process_time()
    yield timing
    timing.wall = time.perf_counter() - wall
    timing.cpu = time.process_time() - cpu


@dataclass(frozen=True)
class Measurement:
    """One figure: the timing of each repeat, for `events` events."""

    name: str
    events: int
    timings: tuple[Timing, ...]
    #: "ceiling", "plumbing" or "breakdown": how the figure is meant to be read.
    group: str
    #: The raw ceiling this figure is compared with, by name; None when there is none.
    baseline: str | None = None

    @property
    def rates(self) -> list[float]:
        return [self.events / timing.wall for timing in self.timings]

    @property
    def median_rate(self) -> float:
        return statistics.median(self.rates)

    def summary(self) -> dict[str, Any]:
        rates = self.rates
        cpu = statistics.median(timing.cpu for timing in self.timings)
        return {
            "name": self.name,
            "group": self.group,
            "events": self.events,
            "seconds": [round(timing.wall, 4) for timing in self.timings],
            "cpu_seconds": [round(timing.cpu, 4) for timing in self.timings],
            "events_per_s": {
                "median": round(self.median_rate),
                "min": round(min(rates)),
                "max": round(max(rates)),
            },
            "us_per_event": round(1e6 / self.median_rate, 1),
            "cpu_us_per_event": round(1e6 * cpu / self.events, 1),
            "baseline": self.baseline,
        }


def with_ratios(measurements: Sequence[Measurement]) -> list[dict[str, Any]]:
    """Each measurement's summary, with its median over its baseline's median where it has one."""
    by_name = {m.name: m for m in measurements}
    results = []
    for measurement in measurements:
        summary = measurement.summary()
        if measurement.baseline is not None:
            ceiling = by_name[measurement.baseline].median_rate
            summary["ratio_to_baseline"] = round(measurement.median_rate / ceiling, 3)
        results.append(summary)
    return results


def results_table(results: Sequence[dict[str, Any]]) -> str:
    """The results as a plain-text table, numbers right-aligned."""
    headers = ["measurement", "ev/s median", "min", "max", "us/ev", "CPU us/ev", "vs ceiling"]
    rows = []
    for result in results:
        rate = result["events_per_s"]
        ratio = result.get("ratio_to_baseline")
        rows.append(
            [
                result["name"],
                f"{rate['median']:,}",
                f"{rate['min']:,}",
                f"{rate['max']:,}",
                f"{result['us_per_event']:,.0f}",
                f"{result['cpu_us_per_event']:,.0f}",
                "" if ratio is None else f"{_ratio(ratio)}x {result['baseline']}",
            ]
        )
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def _ratio(ratio: float) -> str:
    """Two decimals, or three when that would round a small ratio away."""
    return f"{ratio:.2f}" if ratio >= 0.1 else f"{ratio:.3f}"


def write_results(name: str, document: dict[str, Any], path: Path | None = None) -> Path:
    """Write `document` as `<name>.json` in $FUNDTRAIL_BENCH_RESULTS_DIR (default: the
    git-ignored bench/results/) unless `path` is given. Smoke runs write elsewhere, so they never
    replace a real run's figures."""
    folder = Path(os.environ.get("FUNDTRAIL_BENCH_RESULTS_DIR") or RESULTS_DIR)
    target = path or folder / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return target


def machine_description(postgres_url: str | None, sqlite_dir: Path) -> dict[str, Any]:
    """What the figures were measured on: hardware, software versions, durability settings."""
    return {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_total": _memory_total(),
        "os": f"{platform.system()} {platform.release()} ({platform.machine()})",
        "python": platform.python_version(),
        "packages": {
            name: _package_version(name)
            for name in ("kafka-python", "crc32c", "SQLAlchemy", "psycopg", "marshmallow")
        },
        "java": _java_version(),
        "sqlite": {"version": sqlite3.sqlite_version, **_sqlite_settings(sqlite_dir)},
        "postgresql": _postgres_description(postgres_url) if postgres_url else None,
        "temp_dir_filesystem": _filesystem_of(Path(tempfile.gettempdir())),
    }


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_total() -> str:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return "unknown"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _java_version() -> str:
    java = shutil.which("java")
    if java is None:
        return "not found"
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    lines = (result.stderr or result.stdout).splitlines()
    return lines[0].strip() if lines else "unknown"


def _sqlite_settings(directory: Path) -> dict[str, Any]:
    """The pragmas make_engine leaves in force, read from a real engine rather than assumed."""
    engine = make_engine(f"sqlite:///{directory / 'settings-probe.db'}")
    try:
        with engine.connect() as connection:
            synchronous = int(connection.exec_driver_sql("PRAGMA synchronous").scalar_one())
            return {
                "journal_mode": connection.exec_driver_sql("PRAGMA journal_mode").scalar(),
                "synchronous": _SQLITE_SYNCHRONOUS.get(synchronous, synchronous),
            }
    finally:
        engine.dispose()


_SQLITE_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def _postgres_description(url: str) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            described: dict[str, Any] = {
                "version": connection.exec_driver_sql("SHOW server_version").scalar()
            }
            for setting in ("synchronous_commit", "fsync", "shared_buffers", "wal_level"):
                described[setting] = connection.exec_driver_sql(f"SHOW {setting}").scalar()
            return described
    finally:
        engine.dispose()


def _filesystem_of(path: Path) -> str:
    """The type of the filesystem holding `path` (tmpfs would make fsync free)."""
    best, kind = "", "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/mounts").read_text().splitlines():
            _device, mount_point, fs_type, *_ = line.split()
            inside = str(path).startswith(mount_point.rstrip("/") + "/") or str(path) == mount_point
            if inside and len(mount_point) > len(best):
                best, kind = mount_point, fs_type
    return kind
