"""The pledges API: accounts, drafting campaigns, and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from shared.events import decode
from tests.factories import bearer, campaign_body, create_account, issue_token, make_app


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = make_app("pledges", database_url, tmp_path)
    yield app
    app.extensions["fundtrail"].engine.dispose()


@pytest.fixture
def client(app: flask.Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def creator(app: flask.Flask) -> str:
    return create_account(app, "creator")[1]


def row_counts(app: flask.Flask) -> dict[str, int]:
    tables = app.extensions["fundtrail"].tables
    with app.extensions["fundtrail"].engine.connect() as connection:
        return {
            name: connection.execute(
                sa.select(sa.func.count()).select_from(tables[name])
            ).scalar_one()
            for name in ("campaigns", "tiers", "budget_lines", "outbox", "accounts")
        }


def outbox_events(app: flask.Flask) -> list[Any]:
    outbox = app.extensions["fundtrail"].tables["outbox"]
    with app.extensions["fundtrail"].engine.connect() as connection:
        rows = connection.execute(sa.select(outbox.c.topic, outbox.c.value).order_by(outbox.c.id))
        return [(topic, decode(value)) for topic, value in rows]


def test_a_creator_drafts_a_campaign_and_its_event_waits_in_the_outbox(
    app: flask.Flask, client: FlaskClient, creator: str
) -> None:
    day = (datetime.now(UTC) + timedelta(days=60)).date()  # within the 366 days allowed
    body = campaign_body(deadline=f"{day}T09:30:00+02:00")
    response = client.post("/api/v1/campaigns", json=body, headers=bearer(creator))

    assert response.status_code == 201, response.json
    campaign = response.json
    assert campaign["status"] == "draft"
    assert campaign["deadline"] == f"{day}T07:30:00+00:00"  # offset in, UTC out
    assert campaign["pledged_amount"] == 0 and campaign["backers_count"] == 0
    assert [(t["name"], t["min_amount"], t["limit"], t["taken"]) for t in campaign["tiers"]] == [
        ("A copy", 3000, 100, 0)
    ]
    # A draft: its creator sees it, nobody else (the privacy tests are in *_hostile_input).
    fetched = client.get(f"/api/v1/campaigns/{campaign['id']}", headers=bearer(creator)).json
    # The countdown moves between the two requests; everything else must be the same.
    assert abs(fetched.pop("seconds_left") - campaign.pop("seconds_left")) <= 5
    assert fetched == campaign

    topic, event = outbox_events(app)[-1]
    assert (topic, event.type, str(event.campaign_id)) == (
        "pledges.events",
        "campaign.created",
        campaign["id"],
    )
    assert event.payload["goal_amount"] == 500_000
    assert event.payload["tiers"][0]["tier_id"].hex == campaign["tiers"][0]["id"].replace("-", "")
    assert event.payload["budget"] == [{"category": "printing", "amount": 300_000}]


def test_campaigns_are_listed_newest_first_and_filtered(client: FlaskClient, creator: str) -> None:
    first = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator)).json
    second = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(creator)).json
    # Drafts: listed to their creator only.
    listed = client.get("/api/v1/campaigns", headers=bearer(creator)).json["campaigns"]
    assert [c["id"] for c in listed] == [second["id"], first["id"]]
    assert client.get("/api/v1/campaigns?status=live").json == {"campaigns": []}
    bad = client.get("/api/v1/campaigns?status=bogus")
    assert bad.status_code == 422 and "status" in bad.json["errors"]


BAD_BODIES = [
    ("goal_amount", {"goal_amount": "500000"}, "Not a valid integer."),
    ("goal_amount", {"goal_amount": 12.5}, "Not a valid integer."),
    ("goal_amount", {"goal_amount": 0}, "whole number"),
    ("goal_amount", {"goal_amount": -100}, "whole number"),
    ("goal_amount", {"goal_amount": 10**13}, "whole number"),
    ("goal_amount", {"goal_amount": True}, "Not a valid integer."),
    ("currency", {"currency": "EURO"}, "ISO 4217"),
    ("deadline", {"deadline": "2020-01-01T00:00:00+00:00"}, "future"),
    ("deadline", {"deadline": "2030-01-01T00:00:00"}, "timezone"),
    ("funding_model", {"funding_model": "keep_it_all"}, ""),
    ("title", {"title": "x" * 201}, "200"),
    ("title", {"title": "   "}, "blank"),
    ("surprise", {"surprise": 1}, "Unknown field."),
    ("tiers.0.min_amount", {"tiers": [{"name": "T"}]}, "Missing data"),
]


@pytest.mark.parametrize(
    ("field", "change", "message"),
    BAD_BODIES,
    ids=[b[0] + str(i) for i, b in enumerate(BAD_BODIES)],
)
def test_invalid_campaigns_are_refused_naming_the_field_and_write_nothing(
    app: flask.Flask,
    client: FlaskClient,
    creator: str,
    field: str,
    change: dict[str, Any],
    message: str,
) -> None:
    before = row_counts(app)
    response = client.post(
        "/api/v1/campaigns", json=campaign_body(**change), headers=bearer(creator)
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert message.lower() in " ".join(response.json["errors"][field]).lower()
    assert row_counts(app) == before


def test_malformed_json_is_a_400_and_writes_nothing(
    app: flask.Flask, client: FlaskClient, creator: str
) -> None:
    before = row_counts(app)
    response = client.post(
        "/api/v1/campaigns",
        data='{"title": ',
        content_type="application/json",
        headers=bearer(creator),
    )
    assert response.status_code == 400
    assert response.json["detail"] == "Invalid JSON body."
    assert row_counts(app) == before


def test_a_body_that_is_not_json_is_a_415(
    app: flask.Flask, client: FlaskClient, creator: str
) -> None:
    before = row_counts(app)
    response = client.post(
        "/api/v1/campaigns",
        data=json.dumps(campaign_body()),
        content_type="text/plain",
        headers=bearer(creator),
    )
    assert response.status_code == 415
    assert response.json["errors"] == {"Content-Type": ["must be application/json"]}
    assert row_counts(app) == before


@pytest.mark.parametrize("header", [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token"])
def test_no_valid_token_is_a_401(app: flask.Flask, client: FlaskClient, header: str | None) -> None:
    before = row_counts(app)
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/campaigns", json=campaign_body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.mimetype == "application/problem+json"
    assert row_counts(app) == before


def test_a_token_signed_by_someone_else_is_a_401(
    app: flask.Flask, client: FlaskClient, tmp_path: Path
) -> None:
    forged = issue_token(tmp_path / "elsewhere", "creator")
    response = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(forged))
    assert response.status_code == 401


def test_a_backer_may_not_draft_a_campaign(app: flask.Flask, client: FlaskClient) -> None:
    _, backer = create_account(app, "backer")
    before = row_counts(app)
    response = client.post("/api/v1/campaigns", json=campaign_body(), headers=bearer(backer))
    assert response.status_code == 403
    assert "creator" in response.json["detail"]
    assert row_counts(app) == before


def test_unknown_routes_and_campaigns_are_404_problems(client: FlaskClient) -> None:
    for path in ("/api/v1/nothing-here", "/api/v1/campaigns/7f7f7f7f-0000-4000-8000-000000000000"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        assert response.json["status"] == 404


def test_admins_create_accounts_and_revoke_them(app: flask.Flask, client: FlaskClient) -> None:
    _, admin = create_account(app, "admin")
    created = client.post(
        "/api/v1/accounts", json={"role": "creator", "name": "Cleo"}, headers=bearer(admin)
    )
    assert created.status_code == 201
    token = created.json["token"]
    me = client.get("/api/v1/me", headers=bearer(token)).json
    assert (me["account_id"], me["id"], me["role"]) == (created.json["id"],) * 2 + ("creator",)

    revoked = client.post(
        f"/api/v1/accounts/{created.json['id']}/revoke",
        json={"reason": "lost"},
        headers=bearer(admin),
    )
    assert revoked.status_code == 200
    refused = client.get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.json["detail"]
    again = client.post(
        f"/api/v1/accounts/{created.json['id']}/revoke", json={}, headers=bearer(admin)
    )
    assert again.status_code == 409

    types = [event.type for _topic, event in outbox_events(app)]
    assert types[-2:] == ["account.created", "account.revoked"]


def test_only_admins_create_accounts(app: flask.Flask, client: FlaskClient, creator: str) -> None:
    before = row_counts(app)
    response = client.post(
        "/api/v1/accounts", json={"role": "admin", "name": "Mallory"}, headers=bearer(creator)
    )
    assert response.status_code == 403
    assert row_counts(app) == before


def test_the_api_describes_itself(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert {"/api/v1/campaigns", "/api/v1/campaigns/{campaign_id}", "/api/v1/accounts"} <= set(
        spec["paths"]
    )
    post = spec["paths"]["/api/v1/campaigns"]["post"]
    assert {"201", "401", "403", "422"} <= set(post["responses"])
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"/api/v1/docs/assets/swagger-ui-bundle.js" in docs.data
    with client.get("/api/v1/docs/assets/swagger-ui-bundle.js") as asset:
        assert asset.status_code == 200
        assert b"SwaggerUIBundle" in asset.get_data()


def test_campaigns_are_found_by_words_of_their_title_in_several_states(
    client: FlaskClient, creator: str
) -> None:
    def made(title: str, *, then: tuple[str, ...] = ()) -> str:
        body = campaign_body(title=title)
        made = client.post("/api/v1/campaigns", json=body, headers=bearer(creator)).json
        campaign_id = made["id"]
        for step in then:
            done = client.post(f"/api/v1/campaigns/{campaign_id}/{step}", headers=bearer(creator))
            assert done.status_code == 200, done.json
        return str(campaign_id)

    draft = made("Pinhole camera kit")
    live = made("A LENS for the PinHole", then=("launch",))
    cancelled = made("Pinhole 100% tin", then=("launch", "cancel"))
    made("Letterpress zine", then=("launch",))

    def found(query: str, token: str | None = None) -> list[str]:
        headers = bearer(token) if token else {}
        response = client.get(f"/api/v1/campaigns?{query}", headers=headers)
        assert response.status_code == 200, response.json
        return [c["id"] for c in response.json["campaigns"]]

    # Any case, every state but someone else's draft; each word must be there, in any order.
    assert found("q=pinhole") == [cancelled, live]
    assert found("q=pinhole", creator) == [cancelled, live, draft]
    assert found("q=pinhole+lens") == [live]
    assert found("q=lens+kit") == []
    # Ended is two states: the status repeats.
    assert found("q=pinhole&status=failed&status=cancelled") == [cancelled]
    assert found("q=pinhole&status=live&status=succeeded") == [live]
    # What a person types is text: `%` and `_` match themselves, not anything.
    assert found("q=100%25") == [cancelled]
    assert found("q=%25") == [cancelled]
    assert found("q=_") == []
    bad = client.get("/api/v1/campaigns?status=live&status=bogus")
    assert bad.status_code == 422 and "status" in bad.json["errors"]
    assert client.get(f"/api/v1/campaigns?q={'x' * 201}").status_code == 422


def test_the_story_is_rendered_with_the_updates_sanitiser(
    client: FlaskClient, creator: str
) -> None:
    story = (
        "A **pinhole** camera, [made here](https://example.org/make).\n\n"
        '<script>alert("story")</script>\n\n'
        '<img src=x onerror="alert(1)">\n\n'
        "[click me](javascript:alert(document.cookie))"
    )
    made = client.post(
        "/api/v1/campaigns", json=campaign_body(description=story), headers=bearer(creator)
    ).json
    html = client.get(f"/api/v1/campaigns/{made['id']}", headers=bearer(creator)).json[
        "description_html"
    ]
    assert made["description"] == story  # the source is kept as written
    assert "<strong>pinhole</strong>" in html
    assert (
        '<a href="https://example.org/make" rel="noopener noreferrer nofollow ugc">made here</a>'
        in html
    )
    # Raw HTML is text, never markup; a javascript: link is no link.
    assert "<script" not in html and "&lt;script&gt;alert" in html
    assert "<img" not in html and "&lt;img src=x onerror=" in html
    assert html.count("<a ") == 1 and "[click me](javascript:" in html
