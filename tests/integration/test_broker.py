"""A real local Kafka broker from infra.broker: start, topics, a message round trip, stop."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaTimeoutError

from infra.broker import (
    BrokerError,
    LocalBroker,
    ensure_topics,
    find_free_port,
    jar_dir,
    kafka_cli,
    wait_until_ready,
)
from tests.conftest import unavailable

pytestmark = pytest.mark.kafka


@pytest.fixture(autouse=True)
def _needs_java() -> None:
    if shutil.which("java") is None and "JAVA_HOME" not in os.environ:
        unavailable("a local Kafka broker needs Java 17+")


def _new_broker(data_dir: Path) -> LocalBroker:
    return LocalBroker(
        data_dir, port=find_free_port(), controller_port=find_free_port(), libs=jar_dir()
    )


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(finished.stdout)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    broker = _new_broker(tmp_path_factory.mktemp("kafka"))
    # A pid file left by a broker that died must not stop a new start.
    broker.data_dir.mkdir(parents=True, exist_ok=True)
    broker.pid_file.write_text(f"{_dead_pid()}\n")
    started_at = time.monotonic()
    broker.start(timeout=90)
    print(f"LocalBroker.start() took {time.monotonic() - started_at:.1f}s")
    yield broker
    broker.stop()


def test_a_message_round_trips_through_a_created_topic(broker: LocalBroker) -> None:
    topic = f"test.{uuid.uuid4().hex}"
    ensure_topics(broker.bootstrap_servers, [topic], partitions=3)
    key, value = uuid.uuid4().bytes, f"pledge {uuid.uuid4()}".encode()

    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, enable_idempotence=True)
    try:
        metadata = producer.send(topic, key=key, value=value).get(timeout=30)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        bootstrap_servers=broker.bootstrap_servers,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        consumer.subscribe([topic])
        received: list[ConsumerRecord] = []
        deadline = time.monotonic() + 30
        while not received and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                received.extend(records)
        assert len(consumer.partitions_for_topic(topic) or ()) == 3
    finally:
        consumer.close()

    assert [(r.key, r.value, r.partition, r.offset) for r in received] == [
        (key, value, metadata.partition, metadata.offset)
    ]


def test_ensure_topics_is_idempotent_and_keeps_existing_topics(broker: LocalBroker) -> None:
    first, second = f"test.{uuid.uuid4().hex}", f"test.{uuid.uuid4().hex}"
    ensure_topics(broker.bootstrap_servers, [first], partitions=2)
    ensure_topics(broker.bootstrap_servers, [first, second], partitions=4)

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    try:
        assert consumer.partitions_for_topic(first) == {0, 1}
        assert consumer.partitions_for_topic(second) == {0, 1, 2, 3}
    finally:
        consumer.close()


def test_producing_to_a_missing_topic_does_not_create_it(broker: LocalBroker) -> None:
    topic = f"test.{uuid.uuid4().hex}"
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap_servers, max_block_ms=2000)
    try:
        with pytest.raises(KafkaTimeoutError):
            producer.send(topic, b"lost").get(timeout=10)
    finally:
        producer.close()

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap_servers)
    try:
        assert topic not in consumer.topics()
    finally:
        consumer.close()


def test_status_pid_file_and_a_second_start(broker: LocalBroker) -> None:
    pid = broker.pid()
    assert broker.status() == "running"
    assert pid is not None and _process_exists(pid)
    assert broker.pid_file.read_text().strip() == str(pid)
    assert broker.bootstrap_servers == f"localhost:{broker.port}"

    broker.start(timeout=30)  # already running: no second JVM
    assert broker.pid() == pid
    wait_until_ready(broker.bootstrap_servers, timeout=10)


def test_cli_status_reports_the_running_broker(broker: LocalBroker) -> None:
    result = CliRunner().invoke(kafka_cli, ["status", "--data-dir", str(broker.data_dir)])
    assert result.exit_code == 0, result.output
    assert f"pid {broker.pid()}" in result.output
    assert f"localhost:{broker.port}" in result.output


def test_an_unrelated_process_in_the_pid_file_is_not_the_broker(tmp_path: Path) -> None:
    broker = LocalBroker(tmp_path)
    broker.pid_file.write_text(f"{os.getpid()}\n")
    assert broker.status() == "stopped"
    broker.stop()  # must not signal this test process
    assert not broker.pid_file.exists()

    result = CliRunner().invoke(kafka_cli, ["status", "--data-dir", str(tmp_path)])
    assert result.exit_code == 3
    assert "stopped" in result.output


def test_stop_ends_the_broker_process(tmp_path: Path) -> None:
    broker = _new_broker(tmp_path)
    broker.start(timeout=90)
    pid = broker.pid()
    assert pid is not None

    broker.stop(timeout=30)

    assert not _process_exists(pid)
    assert broker.status() == "stopped"
    assert not broker.pid_file.exists()
    with pytest.raises(BrokerError):
        wait_until_ready(broker.bootstrap_servers, timeout=2)


def test_a_broker_that_dies_at_start_reports_its_log(tmp_path: Path) -> None:
    # Storage that looks formatted but is not: the JVM starts, then exits on it.
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "meta.properties").write_text("not a kafka meta file\n")
    broker = _new_broker(tmp_path)

    with pytest.raises(BrokerError) as raised:
        broker.start(timeout=60)

    message = str(raised.value)
    assert "last lines of" in message
    assert "Exiting Kafka due to fatal exception" in message
    assert broker.status() == "stopped"


def test_start_refuses_a_port_in_use(tmp_path: Path, broker: LocalBroker) -> None:
    clashing = LocalBroker(
        tmp_path, port=broker.port, controller_port=find_free_port(), libs=jar_dir()
    )
    with pytest.raises(BrokerError, match=f"port {broker.port}"):
        clashing.start(timeout=10)
    assert not clashing.pid_file.exists()


def test_cli_start_leaves_an_external_cluster_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka.example:9092")
    result = CliRunner().invoke(kafka_cli, ["start", "--data-dir", str(tmp_path / "kafka")])
    assert result.exit_code == 0, result.output
    assert "kafka.example:9092" in result.output
    assert not (tmp_path / "kafka").exists()
