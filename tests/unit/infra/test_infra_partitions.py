"""How many partitions `make run` gives new topics: the most workers that can share a service."""

from __future__ import annotations

import pytest

from infra.local import DEFAULT_PARTITIONS, topic_partitions


def test_three_partitions_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDTRAIL_KAFKA_PARTITIONS", raising=False)
    assert topic_partitions() == DEFAULT_PARTITIONS == 3


def test_the_environment_asks_for_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDTRAIL_KAFKA_PARTITIONS", "12")
    assert topic_partitions() == 12


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_nonsense_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("FUNDTRAIL_KAFKA_PARTITIONS", value)
    with pytest.raises(ValueError):
        topic_partitions()
