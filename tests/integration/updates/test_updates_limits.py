"""The limits the updates service enforces, published so the site need not copy them."""

from __future__ import annotations

from tests.integration.updates.updates_support import World, row_counts


def test_the_published_limits_are_the_ones_enforced(world: World) -> None:
    response = world.get("/api/v1/limits")

    assert response.status_code == 200
    limits = response.json
    assert limits == {
        "max_request_bytes": 256 * 1024,
        "body_max_chars": 20_000,
        "title_max_chars": 200,
    }
    # Public and the same for everyone: any cache may keep it for a while.
    assert "public" in response.headers["Cache-Control"]
    assert "max-age=" in response.headers["Cache-Control"]

    before = row_counts(world.app)
    assert world.post(title="t" * limits["title_max_chars"], body="ok").status_code == 201
    assert world.post(body="b" * limits["body_max_chars"]).status_code == 201
    too_long = world.post(body="b" * (limits["body_max_chars"] + 1))
    assert too_long.status_code == 422 and "body" in too_long.json["errors"]
    too_long_title = world.post(title="t" * (limits["title_max_chars"] + 1))
    assert too_long_title.status_code == 422 and "title" in too_long_title.json["errors"]
    too_big = world.app.test_client().post(
        f"/api/v1/campaigns/{world.campaign_id}/updates",
        data=b"{" + b" " * limits["max_request_bytes"] + b"}",
        content_type="application/json",
        headers=world.headers("creator"),
    )
    assert too_big.status_code == 413
    assert row_counts(world.app)["updates"] == before["updates"] + 2


def test_the_limits_are_documented_in_the_openapi_document(world: World) -> None:
    spec = world.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/limits"]["get"]
    assert "security" not in operation or operation["security"] == []
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(schema["properties"]) == {"max_request_bytes", "body_max_chars", "title_max_chars"}
    assert all(p["type"] == "integer" for p in schema["properties"].values())
