"""The Atom feed page: valid RFC 4287, public updates only, stable ids, times from the updates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import feedparser

from tests.factories import set_clock
from tests.integration.updates.updates_support import (
    World,
)

NOON = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def feed_of(world: World) -> feedparser.FeedParserDict:
    response = world.get(f"/campaigns/{world.campaign_id}/updates.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_the_feed_lists_public_updates_newest_first_with_stable_ids(world: World) -> None:
    set_clock(world.app, lambda: NOON)
    first = world.post(title="First public", body="One").json
    set_clock(world.app, lambda: NOON + timedelta(hours=1))
    world.post(title="For backers", body="Hidden", visibility="backers")
    set_clock(world.app, lambda: NOON + timedelta(hours=2))
    second = world.post(title="Second public", body="Two").json

    parsed = feed_of(world)

    titles = [entry.title for entry in parsed.entries]
    assert titles[:2] == ["Second public", "First public"]
    assert "For backers" not in titles
    assert titles[2:] == ["The campaign is live"]
    assert parsed.entries[0].id == f"urn:uuid:{second['id']}"
    assert parsed.entries[1].id == f"urn:uuid:{first['id']}"
    assert parsed.entries[1].content[0].value == "<p>One</p>"
    assert parsed.feed.id == f"urn:uuid:{world.campaign_id}"
    assert parsed.feed.updated_parsed[:6] == (NOON + timedelta(hours=2)).timetuple()[:6]


def test_the_feed_does_not_change_with_the_clock_only_with_the_updates(world: World) -> None:
    set_clock(world.app, lambda: NOON)
    update_id = world.post(title="Stable", body="Same").json["id"]
    path = f"/campaigns/{world.campaign_id}/updates.atom"

    before = world.get(path).get_data()
    set_clock(world.app, lambda: NOON + timedelta(days=3))
    assert world.get(path).get_data() == before

    world.app.test_client().patch(
        f"/api/v1/updates/{update_id}", json={"body": "Changed"}, headers=world.headers("creator")
    )
    parsed = feed_of(world)
    entry = next(e for e in parsed.entries if e.id == f"urn:uuid:{update_id}")
    assert entry.updated_parsed[:6] == (NOON + timedelta(days=3)).timetuple()[:6]
    assert entry.published_parsed[:6] == NOON.timetuple()[:6]
    assert parsed.feed.updated_parsed[:6] == (NOON + timedelta(days=3)).timetuple()[:6]


def test_a_retracted_update_shows_its_notice_in_the_feed(world: World) -> None:
    update_id = world.post(title="Wrong", body="Bad numbers").json["id"]
    world.app.test_client().post(
        f"/api/v1/updates/{update_id}/retract",
        json={"reason": "Numbers were wrong"},
        headers=world.headers("creator"),
    )

    entry = next(e for e in feed_of(world).entries if e.id == f"urn:uuid:{update_id}")

    assert entry.title == "Retracted update"
    assert "This update was retracted" in entry.content[0].value
    assert "Numbers were wrong" in entry.content[0].value
    assert "Bad numbers" not in entry.content[0].value


def test_no_feed_for_an_unknown_campaign(world: World) -> None:
    response = world.get(f"/campaigns/{uuid.uuid4()}/updates.atom")
    assert response.status_code == 404
    assert response.json["status"] == 404


def test_a_remote_image_reaches_feed_readers_as_a_link_they_need_not_follow(world: World) -> None:
    update_id = world.post(title="Prototype", body="![photo](https://tracker.example/p.gif)").json[
        "id"
    ]

    entry = next(e for e in feed_of(world).entries if e.id == f"urn:uuid:{update_id}")

    content = entry.content[0].value
    assert "<img" not in content
    assert '<a href="https://tracker.example/p.gif"' in content
    assert ">photo</a>" in content
