"""Questions and answers: backers and the creator only, hiding by the creator, a rate limit."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import flask

from tests.factories import make_app, set_clock
from tests.integration.updates.updates_support import (
    T0,
    World,
    published,
    row_counts,
)


def comment(world: World, update_id: str, who: str, body: str, **extra: Any) -> Any:
    return world.app.test_client().post(
        f"/api/v1/updates/{update_id}/comments",
        json={"body": body, **extra},
        headers=world.headers(who),
    )


def test_a_backer_asks_and_the_creator_answers_in_the_thread(world: World) -> None:
    update_id = world.post().json["id"]

    question = comment(world, update_id, "backer", "When do boxes ship?")
    answer = comment(world, update_id, "creator", "In May.", in_reply_to=question.json["id"])

    assert (question.status_code, answer.status_code) == (201, 201), answer.json
    thread = world.get(f"/api/v1/updates/{update_id}/comments", "backer").json["comments"]
    assert [
        (c["author_id"], c["author_is_creator"], c["body"], c["in_reply_to"]) for c in thread
    ] == [
        (str(world.backer_id), False, "When do boxes ship?", None),
        (str(world.creator_id), True, "In May.", question.json["id"]),
    ]
    posted = published(world.app, "comment.posted")
    assert [e.payload["comment_id"] for e in posted] == [
        uuid.UUID(question.json["id"]),
        uuid.UUID(answer.json["id"]),
    ]


def test_a_non_backer_can_neither_comment_nor_read_the_thread(world: World) -> None:
    update_id = world.post().json["id"]
    comment(world, update_id, "backer", "A question")
    before = row_counts(world.app)

    posted = comment(world, update_id, "stranger", "Let me in")
    read = world.get(f"/api/v1/updates/{update_id}/comments", "stranger")

    assert posted.status_code == 403
    assert posted.json["detail"] == "only the campaign's backers and its creator may comment"
    assert read.status_code == 403
    assert row_counts(world.app) == before


def test_a_cancelled_pledge_takes_the_right_to_comment_with_it(world: World) -> None:
    update_id = world.post().json["id"]
    quitter = uuid.uuid4()
    envelope = world.pledge(quitter, 500)
    world.pledge_event("pledge.cancelled", quitter, 500, pledge_id=envelope.payload["pledge_id"])
    world.stranger_id = quitter

    assert comment(world, update_id, "stranger", "Still here?").status_code == 403


def test_the_creator_hides_a_comment_which_stays_in_the_thread_without_its_text(
    world: World,
) -> None:
    update_id = world.post().json["id"]
    abusive = comment(world, update_id, "backer", "Something abusive").json

    hidden = world.app.test_client().post(
        f"/api/v1/comments/{abusive['id']}/hide",
        json={"reason": "Abuse"},
        headers=world.headers("creator"),
    )

    assert hidden.status_code == 200, hidden.json
    thread = world.get(f"/api/v1/updates/{update_id}/comments", "creator").json["comments"]
    assert thread == [
        {
            "id": abusive["id"],
            "hidden": True,
            "hidden_reason": "Abuse",
            "hidden_at": thread[0]["hidden_at"],
        }
    ]
    [event] = published(world.app, "comment.hidden")
    assert event.payload["reason"] == "Abuse"
    assert "Something abusive" not in str(event.payload)


def test_hiding_someone_elses_comment_as_a_backer_is_refused(world: World) -> None:
    update_id = world.post().json["id"]
    other_backer = uuid.uuid4()
    world.pledge(other_backer, 700)
    world.stranger_id = other_backer
    victim = comment(world, update_id, "stranger", "A fair question").json
    before = row_counts(world.app)

    response = world.app.test_client().post(
        f"/api/v1/comments/{victim['id']}/hide",
        json={"reason": "I dislike it"},
        headers=world.headers("backer"),
    )

    assert response.status_code == 403
    assert response.json["status"] == 403
    assert row_counts(world.app) == before
    thread = world.get(f"/api/v1/updates/{update_id}/comments", "backer").json["comments"]
    assert thread[0]["body"] == "A fair question"


def test_another_creator_cannot_hide_a_comment(world: World) -> None:
    update_id = world.post().json["id"]
    victim = comment(world, update_id, "backer", "Hello").json
    response = world.app.test_client().post(
        f"/api/v1/comments/{victim['id']}/hide",
        json={"reason": "Mine now"},
        headers=world.headers("other_creator"),
    )
    assert response.status_code == 403
    assert response.json["detail"] == "only the campaign's creator may hide its comments"


def test_a_reply_must_answer_a_comment_of_the_same_thread(world: World) -> None:
    first = world.post(title="One").json["id"]
    second = world.post(title="Two").json["id"]
    elsewhere = comment(world, first, "backer", "On the first").json["id"]
    before = row_counts(world.app)

    response = comment(world, second, "backer", "Reply", in_reply_to=elsewhere)

    assert response.status_code == 422
    assert list(response.json["errors"]) == ["in_reply_to"]
    assert row_counts(world.app) == before


def test_comments_are_plain_text_with_a_length_limit(world: World) -> None:
    update_id = world.post().json["id"]
    before = row_counts(world.app)

    too_long = comment(world, update_id, "backer", "x" * 2_001)

    assert too_long.status_code == 422
    assert too_long.json["errors"] == {"body": ["body must be at most 2000 characters"]}
    assert row_counts(world.app) == before
    shown = comment(world, update_id, "backer", "<b>not bold</b>").json
    assert shown["body"] == "<b>not bold</b>"  # stored and served as text, never as HTML


def test_comments_are_rate_limited_per_account_with_retry_after(
    database_url: str, tmp_path: Path
) -> None:
    app: flask.Flask = make_app(
        "updates",
        database_url,
        tmp_path,
        extra={"comment_rate_count": 2, "comment_rate_window": 60},
    )
    try:
        world = World(app, tmp_path).launch()
        update_id = world.post().json["id"]
        set_clock(app, lambda: T0)
        assert comment(world, update_id, "backer", "one").status_code == 201
        set_clock(app, lambda: T0 + timedelta(seconds=20))
        assert comment(world, update_id, "backer", "two").status_code == 201
        set_clock(app, lambda: T0 + timedelta(seconds=30))
        before = row_counts(app)

        refused = comment(world, update_id, "backer", "three")

        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "30"
        assert refused.mimetype == "application/problem+json"
        assert refused.json["status"] == 429
        assert row_counts(app) == before
        # Another account is not held back by this one's comments.
        assert comment(world, update_id, "creator", "answer").status_code == 201
        set_clock(app, lambda: T0 + timedelta(seconds=61))
        assert comment(world, update_id, "backer", "three").status_code == 201
    finally:
        app.extensions["fundtrail"].engine.dispose()
