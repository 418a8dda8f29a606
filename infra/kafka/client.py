"""Client-side helpers for any Kafka cluster: readiness, topic creation, free test ports."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Callable, Iterable

from kafka import KafkaAdminClient
from kafka.errors import TopicAlreadyExistsError, for_code

from infra.kafka import BrokerError


def find_free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(bootstrap_servers: str, timeout: float) -> None:
    """Block until a broker at `bootstrap_servers` answers a metadata request with an unfenced
    broker, or raise BrokerError after `timeout` seconds."""
    wait_for_broker(bootstrap_servers, time.monotonic() + timeout, still_starting=lambda: True)


def wait_for_broker(
    bootstrap_servers: str, deadline: float, still_starting: Callable[[], bool]
) -> None:
    """wait_until_ready with a monotonic deadline, giving up early once `still_starting()` is
    false (the broker process died)."""
    last_problem = "no answer yet"
    while time.monotonic() < deadline:
        if not still_starting():
            raise BrokerError("the broker process exited while starting")
        # A plain TCP probe first: kafka-python logs an error for every failed bootstrap.
        if _any_port_open(bootstrap_servers):
            remaining_ms = max(1000, int((deadline - time.monotonic()) * 1000))
            try:
                _check_metadata(bootstrap_servers, min(remaining_ms, 10_000))
                return
            except Exception as exc:  # any failure here means "not ready yet"
                last_problem = f"{type(exc).__name__}: {exc}"
        else:
            last_problem = "nothing listens on the port yet"
        time.sleep(0.25)
    raise BrokerError(f"Kafka at {bootstrap_servers} not ready in time ({last_problem})")


def _any_port_open(bootstrap_servers: str) -> bool:
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        with contextlib.suppress(OSError, ValueError):
            socket.create_connection((host.strip("[]") or "localhost", int(port)), 1).close()
            return True
    return False


def _check_metadata(bootstrap_servers: str, timeout_ms: int) -> None:
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="fundtrail-ready-check",
        bootstrap_timeout_ms=timeout_ms,
        request_timeout_ms=timeout_ms,
    )
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    if not any(not broker.get("is_fenced", False) for broker in cluster.get("brokers", [])):
        raise BrokerError("the cluster has no unfenced broker yet")


def ensure_topics(
    bootstrap_servers: str, topics: Iterable[str], partitions: int = 3, timeout: float = 30.0
) -> None:
    """Create the topics that do not exist yet (the cluster's default replication factor), and
    wait until every one of them has a leader for each partition."""
    names = sorted(set(topics))
    if not names:
        return
    admin = KafkaAdminClient(
        bootstrap_servers=bootstrap_servers,
        client_id="fundtrail-ensure-topics",
        bootstrap_timeout_ms=int(timeout * 1000),
    )
    try:
        # replication_factor -1 lets a real cluster apply its own default instead of ours.
        request = {name: {"num_partitions": partitions, "replication_factor": -1} for name in names}
        response = admin.create_topics(request, timeout_ms=int(timeout * 1000), raise_errors=False)
        for topic in response["topics"]:
            error = for_code(topic["error_code"])
            if topic["error_code"] != 0 and error is not TopicAlreadyExistsError:
                raise error(f"creating topic {topic['name']}: {topic.get('error_message')}")
        admin.wait_for_topics(names, timeout_ms=int(timeout * 1000))
    finally:
        admin.close()
