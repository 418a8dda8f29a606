"""A local single-node Apache Kafka (KRaft) broker run from Maven Central jars, and its CLI.

The client helpers and the jar fetching live in infra.kafka and are re-exported here, so
`from infra.broker import LocalBroker, ensure_topics, jar_dir` is all a caller needs.
"""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import click

from infra.kafka import BrokerError, log_tail
from infra.kafka.client import ensure_topics, find_free_port, wait_for_broker, wait_until_ready
from infra.kafka.jars import REPO_ROOT, default_cache_root, jar_dir, kafka_version

__all__ = [
    "DEFAULT_DATA_DIR",
    "BrokerError",
    "LocalBroker",
    "default_cache_root",
    "ensure_topics",
    "find_free_port",
    "jar_dir",
    "kafka_cli",
    "kafka_version",
    "port_is_free",
    "wait_until_ready",
]

DEFAULT_DATA_DIR = REPO_ROOT / "var" / "kafka"


@dataclass
class LocalBroker:
    """A broker+controller in one JVM, its configuration, storage and log all in `data_dir`."""

    data_dir: Path
    port: int = 9092
    controller_port: int = 9093
    heap: str = "512m"
    libs: Path | None = None
    """Where the jars are; None fetches them into the default cache."""
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)

    @property
    def bootstrap_servers(self) -> str:
        return f"localhost:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "broker.log"

    @property
    def properties_file(self) -> Path:
        return self.data_dir / "server.properties"

    def pid(self) -> int | None:
        """The broker's pid if its process is alive, else None (a stale pid file counts as none)."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            # Interrupted (Ctrl-C) between starting the JVM and writing its pid: still ours.
            if self._process is not None and self._process.poll() is None:
                return self._process.pid
            return None
        if self._process is not None and self._process.pid == pid:
            return pid if self._process.poll() is None else None
        return pid if _is_kafka_process(pid) else None

    def configured_port(self) -> int | None:
        """The client port in the data dir's server.properties, if it has been written."""
        with contextlib.suppress(OSError, ValueError):
            for line in self.properties_file.read_text().splitlines():
                if line.startswith("listeners="):
                    plaintext = line.split("=", 1)[1].split(",")[0]
                    return int(plaintext.rpartition(":")[2])
        return None

    def status(self) -> str:
        """`"running"` while the broker process is alive, else `"stopped"`."""
        return "running" if self.pid() is not None else "stopped"

    def start(self, timeout: float = 90) -> None:
        """Start the broker unless it runs already, and return once it answers clients."""
        if self.pid() is not None:
            if self.configured_port() != self.port:
                raise BrokerError(
                    f"a broker already runs from {self.data_dir} on port {self.configured_port()}"
                )
            self._wait_ready(time.monotonic() + timeout)
            return
        self.pid_file.unlink(missing_ok=True)
        for port in (self.port, self.controller_port):
            if not port_is_free(port):
                raise BrokerError(f"port {port} on 127.0.0.1 is already in use")
        libs = self.libs or jar_dir()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._format_storage(libs)
        # The clock starts here: a first-time jar download must not eat the start-up budget.
        deadline = time.monotonic() + timeout
        with self.log_file.open("wb") as log:
            self._process = subprocess.Popen(
                [*self._java(libs), "kafka.Kafka", str(self.properties_file)],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: Ctrl-C on the command that started it must not reach it.
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._process.pid}\n")
        try:
            self._wait_ready(deadline)
        except BrokerError as exc:
            self.stop(timeout=10)
            raise BrokerError(
                f"Kafka did not start on {self.bootstrap_servers}: {exc}\n"
                f"last lines of {self.log_file}:\n{log_tail(self._read_log())}"
            ) from None

    def _wait_ready(self, deadline: float) -> None:
        wait_for_broker(self.bootstrap_servers, deadline, lambda: self.pid() is not None)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the broker, SIGKILL it if it is still alive after `timeout` seconds."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if not self._wait_gone(pid, timeout):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                if not self._wait_gone(pid, 10):
                    raise BrokerError(f"the broker (pid {pid}) survived SIGKILL")
        self.pid_file.unlink(missing_ok=True)
        self._process = None

    def _wait_gone(self, pid: int, timeout: float) -> bool:
        if self._process is not None and self._process.pid == pid:
            # Our own child: reap it, or it lingers as a zombie that still "exists".
            try:
                self._process.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _is_kafka_process(pid):
                return True
            time.sleep(0.1)
        return False

    def _java(self, libs: Path) -> list[str]:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
        if not java:
            raise BrokerError("Java 17 or newer is needed to run Kafka; `java` is not on PATH")
        return [
            java,
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.properties'}",
            "-cp",
            str(libs / "*"),
        ]

    def _write_config(self) -> None:
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            # The 4.x dynamic quorum: storage is formatted with --standalone below.
            "controller.quorum.bootstrap.servers": f"127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": (
                f"PLAINTEXT://localhost:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.data_dir / "logs"),
            "num.partitions": "3",
            "default.replication.factor": "1",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # Fewer internal partitions and smaller segments: the first consumer group and
            # transaction are ready in a moment instead of creating 50 partitions each.
            "offsets.topic.num.partitions": "5",
            "transaction.state.log.num.partitions": "5",
            "share.coordinator.state.topic.num.partitions": "5",
            "log.segment.bytes": str(16 * 1024 * 1024),
        }
        lines = [f"{key}={value}" for key, value in settings.items()]
        self.properties_file.write_text("\n".join(lines) + "\n")
        (self.data_dir / "log4j2.properties").write_text(_LOG4J2_PROPERTIES)

    def _format_storage(self, libs: Path) -> None:
        if (self.data_dir / "logs" / "meta.properties").exists():
            return
        command = [
            *self._java(libs), "kafka.tools.StorageTool", "format", "--standalone",
            "-t", _random_cluster_id(), "-c", str(self.properties_file),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise BrokerError(
                f"formatting Kafka storage failed:\n{log_tail(result.stdout + result.stderr)}"
            )

    def _read_log(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""


# Console output lands in broker.log; the config dumps and per-partition chatter stay out.
_LOG4J2_PROPERTIES = """\
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.stdout.ref = STDOUT
logger.config.name = org.apache.kafka.common.config
logger.config.level = warn
logger.storage.name = org.apache.kafka.storage
logger.storage.level = warn
logger.log.name = kafka.log
logger.log.level = warn
"""


def _random_cluster_id() -> str:
    """A Kafka Uuid string (unpadded URL-safe base64), never starting with '-' as Kafka avoids."""
    while True:
        encoded = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not encoded.startswith("-"):
            return encoded


def _is_kafka_process(pid: int) -> bool:
    """Alive and a Kafka broker: a pid file can outlive its process and the pid be reused."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc") / str(pid)
    if not proc.exists():
        return not Path("/proc/self").exists()  # no procfs (macOS): trust the signal probe
    with contextlib.suppress(OSError):
        if (proc / "stat").read_text().rpartition(")")[2].split()[0] == "Z":
            return False
        return b"kafka.Kafka" in (proc / "cmdline").read_bytes()
    return False


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on `port` and a server could bind it now.

    SO_REUSEADDR, as Kafka's own listener has it, so that connections left in TIME_WAIT by a
    broker that just stopped do not count: without it a quick restart is refused for a minute.
    The connect probe also catches listeners the bind would not see (other platforms' rules).
    """
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


_data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Where the broker keeps its configuration, data, pid file and broker.log.",
)


@click.group("kafka")
def kafka_cli() -> None:
    """Run a local single-node Apache Kafka broker (KRaft, no Docker) for development."""


@kafka_cli.command("start")
@_data_dir_option
@click.option("--port", default=9092, show_default=True, help="Client port on 127.0.0.1.")
@click.option("--controller-port", default=9093, show_default=True, help="KRaft controller port.")
@click.option("--timeout", default=90.0, show_default=True, help="Seconds to wait for readiness.")
def start_command(data_dir: Path, port: int, controller_port: int, timeout: float) -> None:
    """Start the broker in the background and wait until it answers clients.

    Does nothing when KAFKA_BOOTSTRAP_SERVERS is set: that cluster is used instead. The first
    start fetches the Kafka jars with Maven (about a minute).
    """
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        click.echo(f"KAFKA_BOOTSTRAP_SERVERS is set: using the external cluster at {external}.")
        return
    broker = LocalBroker(data_dir, port=port, controller_port=controller_port)
    started_at = time.monotonic()
    try:
        broker.start(timeout=timeout)
    except BrokerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Kafka is running on {broker.bootstrap_servers} (pid {broker.pid()}, "
        f"ready after {time.monotonic() - started_at:.1f}s); log: {broker.log_file}"
    )


@kafka_cli.command("stop")
@_data_dir_option
@click.option("--timeout", default=30.0, show_default=True, help="Seconds before SIGKILL.")
def stop_command(data_dir: Path, timeout: float) -> None:
    """Stop the local broker (SIGTERM, then SIGKILL after --timeout seconds)."""
    broker = LocalBroker(data_dir)
    if broker.pid() is None:
        broker.stop()  # clears a stale pid file
        click.echo("Kafka is not running.")
        return
    try:
        broker.stop(timeout=timeout)
    except BrokerError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("Kafka stopped.")


@kafka_cli.command("status")
@_data_dir_option
def status_command(data_dir: Path) -> None:
    """Say whether the local broker runs; exit 0 if it does, 3 if it does not."""
    broker = LocalBroker(data_dir)
    pid = broker.pid()
    if pid is None:
        click.echo(f"Kafka is stopped (data dir {data_dir}).")
        click.get_current_context().exit(3)
    click.echo(
        f"Kafka is running on localhost:{broker.configured_port()} "
        f"(pid {pid}, data dir {data_dir})."
    )
