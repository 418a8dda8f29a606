"""Creator updates over HTTP: posting, reading by audience, edits kept, retraction, refusals."""

from __future__ import annotations

import uuid

import flask

from tests.integration.updates.updates_support import (
    World,
    published,
    row_counts,
)


def test_a_creator_posts_an_update_and_everyone_reads_it(world: World) -> None:
    response = world.post(title="Printing news", body="The *proofs* are in.", pinned=True)

    assert response.status_code == 201, response.json
    created = response.json
    assert created["kind"] == "manual"
    assert created["title"] == "Printing news"
    assert created["body"] == "The *proofs* are in."
    assert created["body_html"] == "<p>The <em>proofs</em> are in.</p>\n"
    assert created["pinned"] is True
    assert created["revised_at"] is None
    assert created["retracted"] is False

    anonymous = world.get(f"/api/v1/updates/{created['id']}")
    assert anonymous.status_code == 200
    assert anonymous.json == created

    listed = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates").json["updates"]
    # The launch announcement is there too; the pinned update comes first.
    assert [u["id"] for u in listed][0] == created["id"]
    assert [u["kind"] for u in listed] == ["manual", "automatic"]

    [event] = published(world.app, "update.published")[-1:]
    assert event.payload["update_id"] == uuid.UUID(created["id"])
    assert event.payload["body_html"] == created["body_html"]
    assert event.payload["url"].endswith(f"/api/v1/updates/{created['id']}")
    assert "@" not in str(event.payload)


def test_a_backers_only_update_is_read_by_backers_and_the_creator_only(world: World) -> None:
    secret = "Stretch goal: **the secret expansion**."
    created = world.post(title="For backers", body=secret, visibility="backers").json
    update_id = created["id"]
    # Give the update a second revision, so the revisions list has text to withhold too.
    world.app.test_client().patch(
        f"/api/v1/updates/{update_id}",
        json={"body": secret + " Now in colour."},
        headers=world.headers("creator"),
    )
    withheld = {"id": update_id, "visibility": "backers", "published_at": created["published_at"]}

    for who in ("backer", "creator"):
        assert world.get(f"/api/v1/updates/{update_id}", who).json["title"] == "For backers"
        revisions = world.get(f"/api/v1/updates/{update_id}/revisions", who).json["revisions"]
        assert [r["body"] for r in revisions] == [secret, secret + " Now in colour."]

    for who in (None, "stranger", "other_creator"):
        assert world.get(f"/api/v1/updates/{update_id}", who).json == withheld
        listed = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates", who).json
        assert withheld in listed["updates"]
        assert "secret" not in str(listed)
        revisions = world.get(f"/api/v1/updates/{update_id}/revisions", who).json["revisions"]
        # That it was edited, and when, is public; what it says is not.
        assert [set(r) for r in revisions] == [{"number", "created_at"}] * 2
        assert "secret" not in str(revisions)

    feed = world.get(f"/campaigns/{world.campaign_id}/updates.atom").get_data(as_text=True)
    assert "secret" not in feed and update_id not in feed


def test_edits_keep_every_revision_oldest_first(world: World) -> None:
    update_id = world.post(title="Shipping", body="Boxes ship in May.").json["id"]
    client = world.app.test_client()

    edited = client.patch(
        f"/api/v1/updates/{update_id}",
        json={"body": "Boxes ship in June: the printer is late."},
        headers=world.headers("creator"),
    )

    assert edited.status_code == 200, edited.json
    assert edited.json["body"] == "Boxes ship in June: the printer is late."
    assert edited.json["revised_at"] is not None
    assert edited.json["revision_count"] == 2
    revisions = world.get(f"/api/v1/updates/{update_id}/revisions").json["revisions"]
    assert [(r["number"], r["title"], r["body"]) for r in revisions] == [
        (1, "Shipping", "Boxes ship in May."),
        (2, "Shipping", "Boxes ship in June: the printer is late."),
    ]
    [revised] = published(world.app, "update.revised")
    assert revised.payload["revision"] == 2


def test_retracting_leaves_a_notice_and_keeps_the_record(world: World) -> None:
    update_id = world.post(title="Oops", body="Wrong figures.").json["id"]

    response = world.app.test_client().post(
        f"/api/v1/updates/{update_id}/retract",
        json={"reason": "The figures were <b>wrong</b>."},
        headers=world.headers("creator"),
    )

    assert response.status_code == 200, response.json
    shown = world.get(f"/api/v1/updates/{update_id}").json
    assert shown["retracted"] is True
    assert shown["title"] is None and shown["body"] is None
    assert "This update was retracted" in shown["body_html"]
    assert "&lt;b&gt;wrong&lt;/b&gt;" in shown["body_html"]
    assert shown["retraction_reason"] == "The figures were <b>wrong</b>."
    revisions = world.get(f"/api/v1/updates/{update_id}/revisions").json["revisions"]
    assert revisions == [{"number": 1, "created_at": revisions[0]["created_at"]}]
    assert published(world.app, "update.retracted")[0].payload["reason"] == (
        "The figures were <b>wrong</b>."
    )
    again = world.app.test_client().post(
        f"/api/v1/updates/{update_id}/retract",
        json={"reason": "Twice"},
        headers=world.headers("creator"),
    )
    assert again.status_code == 409


def test_posting_on_someone_elses_campaign_is_refused_and_writes_nothing(world: World) -> None:
    before = row_counts(world.app)

    response = world.post(who="other_creator")

    assert response.status_code == 403
    assert response.json["detail"] == "only the campaign's creator may post its updates"
    assert row_counts(world.app) == before


def test_only_its_creator_edits_or_retracts_an_update(world: World) -> None:
    update_id = world.post().json["id"]
    before = row_counts(world.app)
    client = world.app.test_client()

    edit = client.patch(
        f"/api/v1/updates/{update_id}",
        json={"body": "Hijacked"},
        headers=world.headers("other_creator"),
    )
    retract = client.post(
        f"/api/v1/updates/{update_id}/retract",
        json={"reason": "Hijacked"},
        headers=world.headers("other_creator"),
    )

    assert (edit.status_code, retract.status_code) == (403, 403)
    assert "creator" in edit.json["detail"]
    assert row_counts(world.app) == before
    assert world.get(f"/api/v1/updates/{update_id}").json["body"] == "The *proofs* are in."


def test_automatic_updates_cannot_be_edited_or_retracted(world: World) -> None:
    [launch] = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates").json["updates"]
    assert launch["kind"] == "automatic"
    before = row_counts(world.app)
    client = world.app.test_client()

    edit = client.patch(
        f"/api/v1/updates/{launch['id']}",
        json={"title": "Edited"},
        headers=world.headers("creator"),
    )
    retract = client.post(
        f"/api/v1/updates/{launch['id']}/retract",
        json={"reason": "Gone"},
        headers=world.headers("creator"),
    )

    assert (edit.status_code, retract.status_code) == (409, 409)
    assert edit.json["detail"] == "automatic updates record what happened and cannot be edited"
    assert row_counts(world.app) == before


def test_oversized_bodies_are_refused_and_write_nothing(world: World) -> None:
    before = row_counts(world.app)

    just_over = world.post(body="x" * 20_001)
    far_over = world.post(body="x" * 300_000)
    long_title = world.post(title="t" * 201)

    assert just_over.status_code == 422
    assert just_over.json["errors"] == {"body": ["body must be at most 20000 characters"]}
    assert far_over.status_code == 413
    assert far_over.json["status"] == 413
    assert long_title.status_code == 422
    assert list(long_title.json["errors"]) == ["title"]
    assert row_counts(world.app) == before


def test_bad_input_is_refused_with_the_field_named(world: World) -> None:
    before = row_counts(world.app)

    for body, field in (
        ({"visibility": "friends"}, "visibility"),
        ({"body": "   "}, "body"),
        ({"title": "Right\u202eto left"}, "title"),
    ):
        response = world.post(**body)
        assert response.status_code == 422, body
        assert field in response.json["errors"], response.json

    assert row_counts(world.app) == before


def test_a_draft_or_unknown_campaign_has_no_updates(app: flask.Flask) -> None:
    response = app.test_client().get(f"/api/v1/campaigns/{uuid.uuid4()}/updates")
    assert response.status_code == 404
    assert response.json["status"] == 404
