"""What the ledger benchmarks share: migrated databases, a campaign with a journal, a signer."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import machine_description, postgres_scratch_database
from services.ledger.adapters.tables import TABLES, campaigns, journals
from services.ledger.domain.signed_note import generate_signer
from services.ledger.signing import LogSigning
from services.ledger.unit_of_work import LedgerUnitOfWork
from shared.db import make_engine
from shared.migrations import upgrade


@dataclass
class LedgerDatabase:
    """One migrated, empty ledger database."""

    name: str
    url: str
    engine: sa.Engine
    signing: LogSigning

    def uow(self) -> LedgerUnitOfWork:
        return LedgerUnitOfWork(self.engine, TABLES, "ledger")

    def open_campaign(self, currency: str = "EUR") -> tuple[uuid.UUID, uuid.UUID]:
        """A campaign in the read model with an empty journal; returns (campaign, creator)."""
        campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            connection.execute(
                campaigns.insert().values(
                    id=campaign_id, creator_id=creator_id, title="Benchmark",
                    currency=currency, goal_amount=1, funding_model="flexible", status="live",
                    deadline=now + timedelta(days=30), updated_at=now,
                )
            )  # fmt: skip
            connection.execute(journals.insert().values(campaign_id=campaign_id, size=0,
                                                        created_at=now))  # fmt: skip
        return campaign_id, creator_id


def describe(databases: list[LedgerDatabase]) -> dict[str, Any]:
    """The machine and database settings the figures were measured on."""
    postgres = next((db.url for db in databases if db.name == "PostgreSQL"), None)
    sqlite = Path(str(databases[0].engine.url.database)).parent
    return machine_description(postgres, sqlite)


def bench_signing() -> LogSigning:
    return LogSigning(generate_signer("bench.local"), "bench.local", checkpoint_interval=1.0)


@contextlib.contextmanager
def ledger_databases(with_postgres: bool = True) -> Iterator[list[LedgerDatabase]]:
    """A migrated ledger database on SQLite (in a temp dir) and, when reachable, PostgreSQL."""
    with (
        tempfile.TemporaryDirectory(prefix="fundtrail-bench-ledger-") as folder,
        contextlib.ExitStack() as stack,
    ):
        urls = [("SQLite", f"sqlite:///{Path(folder) / 'ledger.db'}")]
        if with_postgres:
            postgres = stack.enter_context(postgres_scratch_database())
            if postgres is not None:
                urls.append(("PostgreSQL", postgres))
        databases = []
        for name, url in urls:
            upgrade("ledger", url)
            engine = make_engine(url)
            stack.callback(engine.dispose)
            databases.append(LedgerDatabase(name, url, engine, bench_signing()))
        yield databases
