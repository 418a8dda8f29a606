"""Kafka clients configured the one way Fundtrail needs them: durable producers, manual commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata


def make_producer(bootstrap_servers: str, **overrides: Any) -> KafkaProducer:
    """A producer that never loses or duplicates a send it reports as done.

    Idempotence is set explicitly so that a conflicting setting raises instead of silently
    switching it off (kafka-python's behaviour when it is only the default).
    """
    config: dict[str, Any] = dict(
        bootstrap_servers=bootstrap_servers.split(","),
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        client_id="fundtrail",
    )
    config.update(overrides)
    return KafkaProducer(**config)


def make_consumer(
    bootstrap_servers: str, group_id: str, topics: Iterable[str], **overrides: Any
) -> KafkaConsumer:
    """A consumer that commits only when told to, after the database has committed."""
    config: dict[str, Any] = dict(
        bootstrap_servers=bootstrap_servers.split(","),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
        # How long a member that died without a word (kill -9, a lost machine) keeps its
        # partitions before the group hands them to the others: its campaigns wait that long.
        # kafka-python 3 follows Kafka 3's 45 s (KIP-735, made for cloud networks); 10 s, the
        # earlier default, still tolerates two missed heartbeats (every 3 s) on one network.
        session_timeout_ms=10_000,
        heartbeat_interval_ms=3_000,
        client_id="fundtrail",
    )
    config.update(overrides)
    consumer = KafkaConsumer(**config)
    consumer.subscribe(list(topics))
    return consumer


def start_at_the_end(bootstrap_servers: str, group_id: str, topics: Iterable[str]) -> None:
    """Commit `group_id`'s offsets at the current end of `topics`, so a consumer of that group
    started next reads only what is published from now on (a new group would otherwise begin
    at the earliest offset: on a shared broker, everything others ever published)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap_servers.split(","), group_id=group_id)
    try:
        partitions = [
            TopicPartition(topic, partition)
            for topic in topics
            for partition in consumer.partitions_for_topic(topic) or ()
        ]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()
