"""POST /api/v1/previews: a creator sees the HTML a body would be published with; nothing is
stored or announced, and the body is held to the same rules as an update's."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.updates.domain.texts import BODY_MAX
from tests.factories import bearer, issue_token
from tests.integration.updates.html_checks import active_content
from tests.integration.updates.test_updates_xss import ATTACKS
from tests.integration.updates.updates_support import World, row_counts

PREVIEWS = "/api/v1/previews"


def _preview(world: World, body: Any, who: str | None = "creator", **kwargs: Any) -> Any:
    headers = world.headers(who) if who else {}
    return world.app.test_client().post(PREVIEWS, json=body, headers=headers, **kwargs)


def test_a_preview_is_exactly_the_html_the_update_is_published_with(world: World) -> None:
    markdown = "**Bold**, _italic_, [a link](https://example.com/a?b=1)\n\n- one\n- two\n"

    response = _preview(world, {"body": markdown})

    assert response.status_code == 200, response.json
    assert response.json == {
        "body_html": (
            "<p><strong>Bold</strong>, <em>italic</em>, "
            '<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow ugc">'
            "a link</a></p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"
        )
    }
    published = world.post(body=markdown).json
    assert published["body_html"] == response.json["body_html"]


def test_a_preview_writes_nothing(world: World) -> None:
    before = row_counts(world.app)

    response = _preview(world, {"body": "Nothing *stored*."})

    assert response.status_code == 200
    assert response.json["body_html"] == "<p>Nothing <em>stored</em>.</p>\n"
    assert row_counts(world.app) == before
    listed = world.get(f"/api/v1/campaigns/{world.campaign_id}/updates", "creator").json
    assert [u["kind"] for u in listed["updates"]] == ["automatic"]


@pytest.mark.parametrize("name", ["script tag", "javascript link", "raw html link", "iframe"])
def test_hostile_markdown_previews_inert(world: World, name: str) -> None:
    markdown = f"Before.\n\n{ATTACKS[name]}\n\nAfter."

    html = _preview(world, {"body": markdown}).json["body_html"]

    assert active_content(html) == [], html
    # Shown as text at most: never a tag, never a link a click would run.
    assert "<script" not in html and "<iframe" not in html
    assert "<a " not in html
    assert "<p>Before.</p>" in html and "<p>After.</p>" in html


def test_any_creator_may_preview_but_nobody_else(world: World) -> None:
    assert _preview(world, {"body": "Hi"}, "other_creator").status_code == 200

    anonymous = _preview(world, {"body": "Hi"}, None)
    assert anonymous.status_code == 401
    assert anonymous.headers["Content-Type"] == "application/problem+json"
    for role in ("backer", "auditor", "admin"):
        token = issue_token(world.var_dir, role, uuid.uuid4())
        refused = world.app.test_client().post(PREVIEWS, json={"body": "Hi"}, headers=bearer(token))
        assert refused.status_code == 403, role
        assert "creator" in refused.json["detail"]


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"body": "x" * (BODY_MAX + 1)}, f"at most {BODY_MAX} characters"),
        ({"body": "   \n  "}, "must not be blank"),
        ({"body": "Right\u202eto left"}, "U+202E"),
        ({"body": 42}, "Not a valid string"),
        ({}, "Missing data"),
        ({"body": "Hi", "title": "extra"}, "Unknown field"),
    ],
)
def test_a_body_the_service_would_not_publish_is_refused(
    world: World, body: dict[str, Any], why: str
) -> None:
    before = row_counts(world.app)

    response = _preview(world, body)

    assert response.status_code == 422, response.json
    assert why in str(response.json["errors"]), response.json
    assert row_counts(world.app) == before


def test_a_body_that_is_not_json_is_refused(world: World) -> None:
    response = _preview(world, None, data="body=Hi", content_type="text/plain")

    assert response.status_code == 415
    assert response.json["errors"] == {"Content-Type": ["must be application/json"]}


def test_the_preview_is_documented(world: World) -> None:
    spec = world.app.test_client().get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/previews"]["post"]
    assert set(operation["responses"]) >= {"200", "401", "403", "413", "422"}
    assert operation["security"] == [{"bearerAuth": []}]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert "$ref" in schema
