"""Fixtures for the ledger's integration tests: a migrated ledger app."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_app
from tests.integration.ledger.ledger_support import ORIGIN, DeadLetters, Ledger


@pytest.fixture
def make_ledger(tmp_path: Path) -> Iterator[Callable[..., Ledger]]:
    made: list[Ledger] = []

    def make(database_url: str, **extra: Any) -> Ledger:
        settings = {"checkpoint_interval": 0, "log_origin": ORIGIN, **extra}
        app = make_app("ledger", database_url, tmp_path, extra=settings)
        made.append(Ledger(app, tmp_path, DeadLetters()))
        return made[-1]

    yield make
    for ledger in made:
        ledger.engine.dispose()


@pytest.fixture
def ledger(make_ledger: Callable[..., Ledger], database_url: str) -> Ledger:
    return make_ledger(database_url)
