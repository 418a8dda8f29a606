"""Migration 0002 on a ledger that already knew campaigns: each of them gets its journal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.ledger.adapters.tables import campaigns, journals
from shared.db import make_engine
from shared.migrations import upgrade

pytestmark = pytest.mark.both_databases


def test_campaigns_known_before_the_journal_get_one(database_url: str) -> None:
    upgrade("ledger", database_url, "0001")
    engine = make_engine(database_url)
    known = uuid.uuid4()
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            campaigns.insert().values(
                id=known, creator_id=uuid.uuid4(), title="Older", currency="EUR",
                goal_amount=1_000, funding_model="flexible", status="live",
                deadline=now + timedelta(days=3), updated_at=now,
            )
        )  # fmt: skip
    upgrade("ledger", database_url)
    with engine.connect() as connection:
        rows = connection.execute(sa.select(journals.c.campaign_id, journals.c.size)).all()
    engine.dispose()
    assert [(row.campaign_id, row.size) for row in rows] == [(known, 0)]


def test_migration_0007_keeps_the_journal_guarded_and_goes_back(database_url: str) -> None:
    """The provider's kinds arrive without losing the append-only triggers or the CHECKs (on
    SQLite the kind CHECK is edited in place), and the step can be undone and done again."""
    from alembic import command

    from shared.migrations import alembic_config

    upgrade("ledger", database_url)
    config = alembic_config("ledger", database_url)
    command.downgrade(config, "0006")
    upgrade("ledger", database_url)
    engine = make_engine(database_url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        checks = {
            c["name"]: c["sqltext"] for c in inspector.get_check_constraints("journal_entries")
        }
        columns = {c["name"] for c in inspector.get_columns("journal_entries")}

        def names(sqlite_query: str, postgresql_query: str) -> set[str]:
            query = sqlite_query if sqlite else postgresql_query
            return set(connection.exec_driver_sql(query).scalars())

        # Read from the catalogue: SQLAlchemy can't reflect an expression index.
        indexes = names(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'journal_entries'",
            "SELECT indexname FROM pg_indexes WHERE tablename = 'journal_entries'",
        )
        triggers = names(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND tbl_name = 'journal_entries'",
            "SELECT tgname FROM pg_trigger"
            " WHERE tgrelid = 'journal_entries'::regclass AND NOT tgisinternal",
        )
    engine.dispose()
    assert "'dispute_reversal'" in checks["ck_entry_kind"]
    assert {"uq_entry_provider_reference", "uq_entry_event", "uq_entry_reversal"} <= indexes
    assert {"provider_reference", "provider_event_id"} <= columns
    assert "journal_entries_no_overspend" in triggers
    assert "journal_entries_double_entry" in triggers
    assert any(name.startswith("journal_entries_no_update") or "append_only" in name
               for name in triggers)  # fmt: skip
