"""The ledger hears `pledge.payment_failed` and `pledge.dropped` on `pledges.events` and leaves
them alone: nothing written, nothing dead-lettered. It records only money that arrived
(`pledge.collected`), so a failed or dropped payment has no place in its books. (The updates
service acts on both: tests/integration/updates/test_updates_payment_mail.py.)"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shared.events import encode, new_envelope
from tests.factories import DeadLetters, consume, make_app
from tests.integration.pledges.helpers import snapshot


def pledge_event(event_type: str, **extra: Any) -> bytes:
    campaign_id = uuid.uuid4()
    payload = {
        "campaign_id": campaign_id,
        "pledge_id": uuid.uuid4(),
        "backer_id": uuid.uuid4(),
        "amount": 5_000,
        "currency": "EUR",
        "tier_id": None,
        **extra,
    }
    envelope = new_envelope(event_type, payload, producer="pledges", campaign_id=campaign_id)
    return encode(envelope)


def test_payment_failures_and_drops_are_ignored_by_the_ledger(
    database_url: str, tmp_path: Path
) -> None:
    app = make_app("ledger", database_url, tmp_path)
    dead_letters = DeadLetters()
    failed = pledge_event(
        "pledge.payment_failed",
        payment_reference="attempt-1",
        reason_code="card_declined",
        retry_until=datetime.now(UTC) + timedelta(days=7),
    )
    dropped = pledge_event("pledge.dropped")
    before = snapshot(app)

    outcomes = [consume(app, value, "pledges.events", dead_letters) for value in (failed, dropped)]

    assert [o.status for o in outcomes] == ["ignored", "ignored"]
    assert dead_letters.parked == []
    assert snapshot(app) == before
    app.extensions["fundtrail"].engine.dispose()
