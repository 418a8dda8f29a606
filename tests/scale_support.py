"""Helpers for tests that run workers as real processes in one consumer group: their settings,
what the group coordinator says about them, and bounded waits."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient


def worker_env(
    service: str, database_url: str, var_dir: Path, kafka: str, group_prefix: str
) -> dict[str, str]:
    """The environment `fundtrail worker SERVICE` reads, as `make run` would hand it over."""
    return {
        **os.environ,
        f"{service.upper()}_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "FUNDTRAIL_VAR_DIR": str(var_dir),
        "FUNDTRAIL_CONSUMER_GROUP_PREFIX": group_prefix,
        "FUNDTRAIL_LOG_FORMAT": "json",
    }


def describe_group(kafka: str, group: str) -> dict[str, Any]:
    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="fundtrail-test-groups")
    try:
        described: dict[str, Any] = admin.describe_groups([group])[group]
        return described
    finally:
        admin.close()


def group_state(kafka: str, group: str) -> tuple[str, int]:
    """The group's state (`Stable`, `PreparingRebalance`, ...) and how many members it has."""
    described = describe_group(kafka, group)
    return str(described["group_state"]), len(described["members"])


def group_assignment(kafka: str, group: str) -> dict[str, list[tuple[str, int]]]:
    """Per member id, the partitions it was given, once the group is stable; empty while it
    rebalances."""
    described = describe_group(kafka, group)
    if described["group_state"] != "Stable":
        return {}
    assignment: dict[str, list[tuple[str, int]]] = {}
    for member in described["members"]:
        given = member["member_assignment"] or {}
        partitions = [
            (part["topic"], number)
            for part in given.get("assigned_partitions", [])
            for number in part["partitions"]
        ]
        assignment[member["member_id"]] = sorted(partitions)
    return assignment


def wait_for(condition: Callable[[], object], timeout: float = 30.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout}s"
        time.sleep(every)
