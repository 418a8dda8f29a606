"""A stalled consumer is told from an idle one (shared/stall.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from kafka import TopicPartition
from kafka.errors import KafkaTimeoutError

from shared.stall import ConsumerStalled, StallWatch

PARTITION = TopicPartition("pledges.events", 0)


@dataclass
class Coordinator:
    unknown: bool = False

    def coordinator_unknown(self) -> bool:
        return self.unknown


@dataclass
class Consumer:
    """What StallWatch asks of a KafkaConsumer, as kafka-python answers it."""

    positions: dict[TopicPartition, int] = field(default_factory=dict)
    ends: dict[TopicPartition, int] = field(default_factory=dict)
    _coordinator: Coordinator = field(default_factory=Coordinator)
    broker_away: bool = False
    asked: int = 0

    def assignment(self) -> set[TopicPartition]:
        return set(self.positions)

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        self.asked += 1
        if self.broker_away:
            raise KafkaTimeoutError("no broker")
        return {tp: self.ends[tp] for tp in partitions}

    def position(self, partition: TopicPartition) -> int:
        return self.positions[partition]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def watching(consumer: Consumer) -> tuple[StallWatch, Clock]:
    clock = Clock()
    return StallWatch(consumer, patience=20, clock=clock), clock  # type: ignore[arg-type]


def test_messages_waiting_and_none_fetched_for_the_patience_is_a_stall() -> None:
    consumer = Consumer(positions={PARTITION: 5}, ends={PARTITION: 9})
    watch, clock = watching(consumer)
    clock.now = 19
    watch.check()  # not yet: and the broker is not asked
    assert consumer.asked == 0
    clock.now = 21
    with pytest.raises(ConsumerStalled, match="4 messages waiting on 1 partitions"):
        watch.check()


def test_an_idle_consumer_at_the_end_of_its_partitions_is_not_stalled() -> None:
    consumer = Consumer(positions={PARTITION: 9}, ends={PARTITION: 9})
    watch, clock = watching(consumer)
    for minute in range(1, 10):
        clock.now = minute * 60
        watch.check()
    assert consumer.asked == 9  # once per patience, not once per poll


def test_progress_resets_the_wait() -> None:
    consumer = Consumer(positions={PARTITION: 5}, ends={PARTITION: 9})
    watch, clock = watching(consumer)
    clock.now = 15
    watch.progressed()
    clock.now = 30
    watch.check()
    assert consumer.asked == 0


def test_no_coordinator_for_the_patience_is_a_stall() -> None:
    consumer = Consumer(_coordinator=Coordinator(unknown=True))
    watch, clock = watching(consumer)
    clock.now = 25
    with pytest.raises(ConsumerStalled, match="no group coordinator for 25 s"):
        watch.check()


def test_no_partitions_assigned_is_idle_by_design() -> None:
    watch, clock = watching(Consumer())
    clock.now = 100
    watch.check()


def test_a_broker_that_does_not_answer_is_no_reason_to_replace_the_consumer() -> None:
    consumer = Consumer(positions={PARTITION: 5}, ends={PARTITION: 9}, broker_away=True)
    watch, clock = watching(consumer)
    clock.now = 25
    watch.check()
    assert consumer.asked == 1
