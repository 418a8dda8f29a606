"""Upgrading blanks the clear link tokens of sent version 1 outbox rows, and only those."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.pledges.adapters.tables import TABLES
from shared.db import make_engine
from shared.events import decode, encode, new_envelope
from shared.migrations import upgrade

pytestmark = pytest.mark.both_databases

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ"


def _v1_request() -> bytes:
    return encode(
        new_envelope(
            "account.verification_requested",
            {
                "account_id": uuid.uuid4(),
                "purpose": "reset_password",
                "token_id": uuid.uuid4(),
                "expires_at": datetime.now(UTC) + timedelta(hours=1),
                "link_token": SECRET,
            },
            producer="pledges",
            campaign_id=None,
        )
    )


def test_sent_rows_lose_their_clear_token_and_unsent_ones_keep_it(database_url: str) -> None:
    upgrade("pledges", database_url, "0005")
    engine = make_engine(database_url)
    outbox = TABLES["outbox"]
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for sent_at in (now, None):
            connection.execute(
                outbox.insert().values(
                    event_id=uuid.uuid4(),
                    topic="accounts.events",
                    key="",
                    value=_v1_request(),
                    created_at=now,
                    sent_at=sent_at,
                )
            )

    upgrade("pledges", database_url)

    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.value, outbox.c.sent_at).order_by(outbox.c.id)
        ).all()
    engine.dispose()
    (sent, _), (unsent, _) = rows
    assert SECRET.encode() not in sent
    assert decode(sent).payload["link_token"] == "scrubbed"
    assert decode(unsent).payload["link_token"] == SECRET
