"""Automatic updates from events, each published once, and the backer roster behind readers."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from shared.events import new_envelope
from tests.integration.ledger.ledger_support import campaign_event
from tests.integration.updates.updates_support import (
    T0,
    World,
    deliver,
    later,
    published,
)

pytestmark = pytest.mark.both_databases


def automatic(world: World) -> list[dict[str, Any]]:
    updates = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates").json["updates"]
    return [u for u in updates if u["kind"] == "automatic"]


def titles(world: World) -> list[str]:
    return [u["title"] for u in automatic(world)]


def test_a_launch_is_announced_once_however_often_it_is_heard(world: World) -> None:
    launched = campaign_event(
        "campaign.launched", world.campaign_id, world.creator_id, occurred_at=T0
    )

    assert deliver(world.app, launched).status == "handled"  # the same event id, redelivered
    replayed = dataclasses.replace(launched, event_id=uuid.uuid4(), wire=None)  # a new id
    assert deliver(world.app, replayed).status == "handled"

    [launch] = automatic(world)
    assert launch["title"] == "The campaign is live"
    assert "€1,000.00" in launch["body"]
    assert launch["visibility"] == "public"
    assert launch["published_at"] == T0.isoformat()
    assert len(published(world.app, "update.published")) == 1


def test_goal_reached_is_announced_by_the_first_pledge_reaching_it_and_only_once(
    world: World,
) -> None:
    # The campaign's goal is 100,000 cents; the world's backer pledged 1,000.
    world.pledge(uuid.uuid4(), 98_000)
    assert titles(world) == ["The campaign is live"]

    reaching = world.pledge(uuid.uuid4(), 1_000)
    [goal] = [u for u in automatic(world) if u["title"] == "Goal reached"]
    assert goal["body"] == (
        "Backers have pledged €1,000.00, reaching the goal of €1,000.00: 3 backers so far."
    )
    assert goal["published_at"] == reaching.occurred_at.isoformat()

    # Dipping below and climbing back, or redelivering, does not announce it again.
    world.pledge_event(
        "pledge.cancelled",
        reaching.payload["backer_id"],
        1_000,
        pledge_id=reaching.payload["pledge_id"],
    )
    with world.app.extensions["fundtrail"].uow_factory() as uow:
        assert uow.backers.pledged(world.campaign_id) == (99_000, 2)
    world.pledge(uuid.uuid4(), 5_000)
    assert deliver(world.app, dataclasses.replace(reaching, event_id=uuid.uuid4(), wire=None))
    assert titles(world).count("Goal reached") == 1


def test_settlement_is_announced_with_its_totals(world: World) -> None:
    succeeded = campaign_event(
        "campaign.succeeded",
        world.campaign_id,
        world.creator_id,
        status="succeeded",
        occurred_at=later(60),
    )
    succeeded.payload.update(pledged_amount=123_456, backers_count=42)
    succeeded = new_envelope(
        "campaign.succeeded",
        succeeded.payload,
        producer="pledges",
        campaign_id=world.campaign_id,
        occurred_at=later(60),
    )

    deliver(world.app, succeeded)
    deliver(world.app, dataclasses.replace(succeeded, event_id=uuid.uuid4(), wire=None))

    [settled] = [u for u in automatic(world) if u["title"] == "The campaign succeeded"]
    assert "€1,234.56 pledged by 42 backers against a goal of €1,000.00" in settled["body"]
    assert len(automatic(world)) == 2


def test_a_failed_campaign_says_nobody_is_charged(world: World) -> None:
    payload = campaign_event(
        "campaign.failed", world.campaign_id, world.creator_id, status="failed"
    ).payload
    payload.update(pledged_amount=1_000, backers_count=1)
    deliver(
        world.app,
        new_envelope("campaign.failed", payload, producer="pledges", campaign_id=world.campaign_id),
    )

    [failed] = [u for u in automatic(world) if u["title"] == "The campaign did not reach its goal"]
    assert "€10.00 pledged by 1 backer" in failed["body"]
    assert "no backer is charged" in failed["body"]


def report_event(world: World, report_id: uuid.UUID) -> Any:
    return new_envelope(
        "report.published",
        {
            "campaign_id": world.campaign_id,
            "report_id": report_id,
            "tree_size": 12,
            "root_hash": "q" * 43 + "=",
            "sha256": "a" * 64,
            "url": f"http://127.0.0.1:8002/campaigns/{world.campaign_id}/reports/{report_id}.pdf",
            "published_at": later(90),
            "currency": "EUR",
            "raised": 150_000,
            "refunded": 5_000,
            "spent": 40_000,
            "available": 105_000,
            "shortfall": 0,
            "backers_count": 12,
        },
        producer="ledger",
        campaign_id=world.campaign_id,
    )


def test_each_published_report_is_announced_once_with_its_figures(world: World) -> None:
    first, second = report_event(world, uuid.uuid4()), report_event(world, uuid.uuid4())

    for envelope in (first, second, dataclasses.replace(first, event_id=uuid.uuid4(), wire=None)):
        assert deliver(world.app, envelope, "ledger.events").status == "handled"

    reports = [u for u in automatic(world) if u["title"] == "A spending report was published"]
    assert len(reports) == 2
    html = reports[0]["body_html"]
    assert f'href="{first.payload["url"]}"' in html or f'href="{second.payload["url"]}"' in html
    assert "€400.00 spent" in html and "€1,050.00 is available" in html
    assert "12 entries" in html and "q" * 43 + "=" in html
    assert reports[0]["published_at"] == later(90).isoformat()


def test_the_roster_names_who_may_read_backers_only_updates(world: World) -> None:
    collected, refunded_whole, refunded_part, released, cancelled = (uuid.uuid4() for _ in range(5))
    for backer in (collected, refunded_whole, refunded_part, released, cancelled):
        pledge_id = uuid.uuid4()
        world.pledge(backer, 1_000, pledge_id=pledge_id)
        if backer == cancelled:
            world.pledge_event("pledge.cancelled", backer, 1_000, pledge_id=pledge_id)
        elif backer == released:
            world.pledge_event(
                "pledge.released", backer, 1_000, pledge_id=pledge_id, payment_reference="p"
            )
        else:
            world.pledge_event("pledge.collected", backer, 1_000, pledge_id=pledge_id)
        if backer in (refunded_whole, refunded_part):
            whole = backer == refunded_whole
            world.pledge_event(
                "pledge.refunded",
                backer,
                1_000 if whole else 300,
                pledge_id=pledge_id,
                collected_amount=1_000,
                refunded_total=1_000 if whole else 300,
                reason="Damaged box",
            )

    with world.app.extensions["fundtrail"].uow_factory() as uow:
        readers = set(uow.backers.readers(world.campaign_id))
        everyone = set(uow.backers.all_backers(world.campaign_id))

    assert readers == {world.backer_id, collected, refunded_part}
    assert everyone == readers | {refunded_whole, released}
    secret = world.post(title="Backers", body="Secret", visibility="backers").json["id"]
    world.stranger_id = refunded_whole
    assert set(world.get(f"/api/v1/updates/{secret}", "stranger").json) == {
        "id",
        "visibility",
        "published_at",
    }


def cancelled_event(world: World, released_count: int, status: str = "cancelled") -> Any:
    payload = campaign_event(
        "campaign.cancelled", world.campaign_id, world.creator_id, status=status
    ).payload
    payload["released_count"] = released_count
    return new_envelope(
        "campaign.cancelled",
        payload,
        producer="pledges",
        campaign_id=world.campaign_id,
        occurred_at=later(30),
    )


def test_a_cancelled_campaign_is_announced_once_with_its_released_pledges(world: World) -> None:
    cancelled = cancelled_event(world, released_count=3)

    assert deliver(world.app, cancelled).status == "handled"
    assert deliver(world.app, cancelled).status == "duplicate"  # the same event id, redelivered
    replayed = dataclasses.replace(cancelled, event_id=uuid.uuid4(), wire=None)  # a new id
    assert deliver(world.app, replayed).status == "handled"

    [notice] = [u for u in automatic(world) if u["title"] == "The campaign was cancelled"]
    assert notice["body"] == (
        "The creator cancelled the campaign before its deadline. "
        "3 pledges were released: no backer is charged."
    )
    assert notice["visibility"] == "public"
    assert notice["published_at"] == later(30).isoformat()
    assert titles(world) == ["The campaign was cancelled", "The campaign is live"]
    announced = [e.payload["title"] for e in published(world.app, "update.published")]
    assert announced.count("The campaign was cancelled") == 1


def test_a_draft_cancelled_before_launch_is_not_announced(app: Any, tmp_path: Any) -> None:
    world = World(app, tmp_path)
    created = campaign_event(
        "campaign.created", world.campaign_id, world.creator_id, status="draft", occurred_at=T0
    )
    assert deliver(app, created).status == "handled"

    assert deliver(app, cancelled_event(world, released_count=0)).status == "handled"

    assert automatic(world) == []
    assert published(app, "update.published") == []
