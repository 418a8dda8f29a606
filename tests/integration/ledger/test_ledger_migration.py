"""Migration 0002 on a ledger that already knew campaigns: each of them gets its journal."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from services.ledger.adapters.tables import campaigns, journals
from shared.db import make_engine
from shared.migrations import upgrade


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
