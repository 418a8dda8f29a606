"""Fetching, reaching and administering Apache Kafka; the pom beside this file pins the broker."""

from __future__ import annotations


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started, reached or stopped."""


def log_tail(text: str, lines: int = 40) -> str:
    """The last `lines` lines of a process's output, for error messages."""
    return "\n".join(text.rstrip().splitlines()[-lines:])
