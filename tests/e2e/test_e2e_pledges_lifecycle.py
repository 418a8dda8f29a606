"""A campaign's whole life over HTTP, then its events read back from the real broker: exactly one
event per state change, in order, each carrying what a consumer needs."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from kafka import KafkaConsumer, TopicPartition

from shared.topics import PLEDGES
from tests.e2e.conftest import Fundtrail, eventually
from tests.factories import bearer, campaign_body, create_account, set_clock

pytestmark = pytest.mark.kafka

API = "/api/v1"


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.json
    body: dict[str, Any] = response.json
    return body


def outbox_drained(fundtrail: Fundtrail) -> bool:
    context = fundtrail.apps["pledges"].extensions["fundtrail"]
    outbox = context.tables["outbox"]
    with context.engine.connect() as connection:
        waiting = connection.execute(
            sa.select(sa.func.count()).where(outbox.c.sent_at.is_(None))
        ).scalar_one()
    return waiting == 0


def campaign_events(kafka: str, campaign_id: str) -> list[dict[str, Any]]:
    """Every event keyed by `campaign_id` on `pledges.events`, read from the beginning up to the
    end the topic has now, in partition order."""
    consumer = KafkaConsumer(
        bootstrap_servers=kafka.split(","),
        enable_auto_commit=False,
        group_id=None,
        client_id="e2e-reader",
    )
    try:
        partitions = [
            TopicPartition(PLEDGES, p) for p in sorted(consumer.partitions_for_topic(PLEDGES) or ())
        ]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        found: list[dict[str, Any]] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=1_000).values():
                found += [
                    json.loads(r.value)
                    for r in records
                    if r.key == campaign_id.encode()
                    and r.offset < end[TopicPartition(r.topic, r.partition)]
                ]
        return found
    finally:
        consumer.close()


def test_a_campaign_from_draft_to_refund_publishes_one_event_per_state_change(
    fundtrail: Fundtrail,
) -> None:
    app = fundtrail.apps["pledges"]
    client: FlaskClient = fundtrail.client("pledges")
    _, creator = create_account(app, "creator", name="Cleo Creator")
    backers = {name: create_account(app, "backer", name=name) for name in ("Ann", "Bob", "Cy")}
    ann, bob, cy = (bearer(token) for _, token in backers.values())

    body = campaign_body(
        goal_amount=20_000,
        funding_model="all_or_nothing",
        deadline=(datetime.now(UTC) + timedelta(days=30)).isoformat(),
        tiers=[
            {"name": "Early bird", "min_amount": 2_000, "limit": 2},
            {"name": "Collector", "min_amount": 10_000},
        ],
    )
    campaign = ok(client.post(f"{API}/campaigns", json=body, headers=bearer(creator)), 201)
    cid = campaign["id"]
    early, collector = (t["id"] for t in campaign["tiers"])
    ok(client.post(f"{API}/campaigns/{cid}/launch", headers=bearer(creator)))

    key = {"Idempotency-Key": str(uuid.uuid4())}
    ann_pledge = ok(
        client.post(
            f"{API}/campaigns/{cid}/pledges",
            json={"amount": 2_500, "tier_id": early},
            headers={**ann, **key},
        ),
        201,
    )
    retry = client.post(
        f"{API}/campaigns/{cid}/pledges",
        json={"amount": 2_500, "tier_id": early},
        headers={**ann, **key},
    )
    assert (retry.status_code, retry.json) == (201, ann_pledge)
    bob_pledge = ok(
        client.post(
            f"{API}/campaigns/{cid}/pledges",
            json={"amount": 12_000, "tier_id": collector},
            headers=bob,
        ),
        201,
    )
    cy_pledge = ok(
        client.post(f"{API}/campaigns/{cid}/pledges", json={"amount": 5_000}, headers=cy), 201
    )
    ok(
        client.patch(
            f"{API}/pledges/{ann_pledge['id']}",
            json={"amount": 15_000, "tier_id": collector},
            headers=ann,
        )
    )
    ok(client.post(f"{API}/pledges/{cy_pledge['id']}/cancel", headers=cy))

    # The deadline passes: the pledges app's clock moves on a month.
    set_clock(app, lambda: datetime.now(UTC) + timedelta(days=31))
    settled = ok(client.post(f"{API}/campaigns/{cid}/settle", headers=bearer(creator)))
    assert (settled["status"], settled["pledged_amount"], settled["backers_count"]) == (
        "succeeded",
        27_000,
        2,
    )
    assert ok(client.post(f"{API}/campaigns/{cid}/settle", headers=bearer(creator))) == settled
    refunded = ok(
        client.post(
            f"{API}/pledges/{bob_pledge['id']}/refund",
            json={"amount": 2_000, "reason": "Collector box out of stock"},
            headers=bearer(creator),
        )
    )
    assert (refunded["status"], refunded["refunded_amount"]) == ("refunded", 2_000)

    eventually(lambda: outbox_drained(fundtrail))
    events = campaign_events(fundtrail.kafka, cid)

    ann_id, bob_id, cy_id = (str(account_id) for account_id, _ in backers.values())
    assert [
        (e["type"], e["payload"].get("pledge_id"), e["payload"].get("backer_id")) for e in events
    ] == [
        ("campaign.created", None, None),
        ("campaign.launched", None, None),
        ("pledge.created", ann_pledge["id"], ann_id),
        ("pledge.created", bob_pledge["id"], bob_id),
        ("pledge.created", cy_pledge["id"], cy_id),
        ("pledge.changed", ann_pledge["id"], ann_id),
        ("pledge.cancelled", cy_pledge["id"], cy_id),
        ("campaign.succeeded", None, None),
        ("pledge.collected", ann_pledge["id"], ann_id),
        ("pledge.collected", bob_pledge["id"], bob_id),
        ("pledge.refunded", bob_pledge["id"], bob_id),
    ]
    assert len({e["event_id"] for e in events}) == len(events)
    assert all(e["campaign_id"] == cid and e["producer"] == "pledges" for e in events)
    by_type = {e["type"]: e["payload"] for e in events}
    assert by_type["campaign.launched"]["status"] == "live"
    assert [t["name"] for t in by_type["campaign.created"]["tiers"]] == ["Early bird", "Collector"]
    assert (
        by_type["pledge.changed"]["previous_amount"],
        by_type["pledge.changed"]["amount"],
        by_type["pledge.changed"]["previous_tier_id"],
        by_type["pledge.changed"]["tier_id"],
    ) == (2_500, 15_000, early, collector)
    assert (
        by_type["campaign.succeeded"]["pledged_amount"],
        by_type["campaign.succeeded"]["backers_count"],
    ) == (27_000, 2)
    assert [e["payload"]["amount"] for e in events if e["type"] == "pledge.collected"] == [
        15_000,
        12_000,
    ]
    assert {e["payload"]["currency"] for e in events if e["type"].startswith("pledge.")} == {"EUR"}
    assert (
        by_type["pledge.refunded"]["amount"],
        by_type["pledge.refunded"]["refunded_total"],
        by_type["pledge.refunded"]["collected_amount"],
        by_type["pledge.refunded"]["reason"],
    ) == (2_000, 2_000, 12_000, "Collector box out of stock")
    # Backers are opaque ids on the wire: no names anywhere in the pledge events.
    wire = json.dumps([e for e in events if e["type"].startswith("pledge.")])
    assert not any(name in wire for name in ("Ann", "Bob", "Cy"))
