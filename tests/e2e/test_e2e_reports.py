"""A settled campaign's report, end to end over the real broker: the pledges service settles, the
ledger's worker hears the collections, publishes the report by itself and announces it on
`ledger.events` with the books' totals."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from kafka import KafkaConsumer

from shared import topics
from shared.events import Envelope, decode
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer, campaign_body, create_account, set_clock

pytestmark = pytest.mark.kafka

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_a_settled_campaign_gets_its_report_announced_on_ledger_events(
    fundtrail: Fundtrail,
) -> None:
    pledges, ledger = fundtrail.client("pledges"), fundtrail.client("ledger")
    app = fundtrail.apps["pledges"]
    _, creator = create_account(app, "creator", name="Cleo")
    backers = [create_account(app, "backer", name=name)[1] for name in ("Ann", "Bob")]
    body = campaign_body(goal_amount=10_000, funding_model="flexible", tiers=[])
    cid = ok(pledges.post(f"{API}/campaigns", json=body, headers=bearer(creator)), 201)["id"]
    ok(pledges.post(f"{API}/campaigns/{cid}/launch", headers=bearer(creator)))
    for token, amount in zip(backers, (6_000, 3_000), strict=True):
        ok(
            pledges.post(
                f"{API}/campaigns/{cid}/pledges", json={"amount": amount}, headers=bearer(token)
            ),
            201,
        )
    set_clock(app, lambda: datetime.now(UTC) + timedelta(days=31))
    settled = ok(pledges.post(f"{API}/campaigns/{cid}/settle", headers=bearer(creator)))
    assert settled["status"] == "succeeded"

    reader = KafkaConsumer(
        topics.LEDGER,
        bootstrap_servers=fundtrail.kafka,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
    )
    seen: list[Envelope] = []

    def announced() -> Envelope | None:
        for records in reader.poll(timeout_ms=500).values():
            seen.extend(decode(record.value) for record in records)
        return next(
            (e for e in seen if e.type == "report.published" and str(e.campaign_id) == cid),
            None,
        )

    try:
        event = eventually(announced, timeout=90)
    finally:
        reader.close()

    payload = event.payload
    balance = ok(ledger.get(f"{API}/campaigns/{cid}/balance"))
    assert (payload["raised"], payload["backers_count"], payload["tree_size"]) == (9_000, 2, 2)
    for total in ("currency", "raised", "refunded", "spent", "available", "shortfall"):
        assert payload[total] == balance[total]
    [listed] = ok(ledger.get(f"{API}/campaigns/{cid}/reports"))["reports"]
    assert listed["id"] == str(payload["report_id"]) and listed["url"] == payload["url"]
    pdf = ledger.get(f"/campaigns/{cid}/reports/{payload['report_id']}.pdf")
    assert hashlib.sha256(pdf.data).hexdigest() == payload["sha256"]
