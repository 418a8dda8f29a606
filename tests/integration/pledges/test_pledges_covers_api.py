"""A campaign's cover over HTTP: the creator uploads a phone photo, the campaign names it, the
files come back clean and cacheable, the event carries the report's copy; refusals write
nothing."""

from __future__ import annotations

import io

import flask
from flask.testing import FlaskClient
from PIL import Image

from tests.factories import PHOTO_SECRETS, phone_photo
from tests.integration.pledges.helpers import (
    API,
    Account,
    assert_problem,
    draft_campaign,
    new_account,
    outbox_events,
    snapshot,
)


def upload(client: FlaskClient, campaign_id: str, account: Account, content: bytes) -> object:
    return client.put(
        f"{API}/campaigns/{campaign_id}/cover",
        data={"image": (io.BytesIO(content), "IMG_0001.JPG")},
        content_type="multipart/form-data",
        headers=account.headers,
    )


def test_a_creator_gives_a_campaign_a_cover_and_it_is_served_clean(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    assert campaign["cover"] is None

    response = upload(client, campaign["id"], creator, phone_photo())

    assert response.status_code == 201, response.json  # type: ignore[attr-defined]
    cover = response.json["cover"]  # type: ignore[attr-defined]
    assert cover["sizes"] == [320, 640, 1200] and len(cover["sha256"]) == 64
    [event] = [e for e in outbox_events(app, campaign["id"]) if e.type == "campaign.cover_changed"]
    assert event.payload["sha256"] == cover["sha256"]
    with Image.open(io.BytesIO(event.payload["report_jpeg"])) as report:
        assert report.size == (640, 480) and dict(report.getexif()) == {}

    # A draft's cover, like the draft, is its creator's business.
    path = f"{API}/covers/{cover['sha256']}/640.jpg"
    assert client.get(path).status_code == 404
    own = client.get(path, headers=creator.headers)
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-cache"

    client.post(f"{API}/campaigns/{campaign['id']}/launch", headers=creator.headers)
    served = client.get(path)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.data == event.payload["report_jpeg"]
    assert not any(secret in served.data for secret in PHOTO_SECRETS)
    assert client.get(path, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    assert client.get(f"{API}/covers/{cover['sha256']}/500.jpg").status_code == 404
    listed = client.get(f"{API}/campaigns").json["campaigns"]
    assert [c["cover"] for c in listed if c["id"] == campaign["id"]] == [cover]

    # The same picture again changes nothing: 200, no second event.
    again = upload(client, campaign["id"], creator, phone_photo())
    assert again.status_code == 200 and again.json["cover"] == cover  # type: ignore[attr-defined]
    assert [e.type for e in outbox_events(app, campaign["id"])].count("campaign.cover_changed") == 1


def test_a_cover_is_refused_for_others_and_for_what_is_no_picture(
    app: flask.Flask, client: FlaskClient, creator: Account
) -> None:
    campaign = draft_campaign(client, creator)
    someone_else = new_account(app, "creator")
    before = snapshot(app)

    other = upload(client, campaign["id"], someone_else, phone_photo())
    text = upload(client, campaign["id"], creator, b"<html><script>alert(1)</script></html>")
    cut = upload(client, campaign["id"], creator, phone_photo()[:2000])
    missing = client.put(
        f"{API}/campaigns/{campaign['id']}/cover",
        data={"title": "no file"},
        content_type="multipart/form-data",
        headers=creator.headers,
    )

    assert_problem(other, 403)
    assert_problem(text, 422, "image")
    assert "not a JPEG, PNG or WebP" in text.json["errors"]["image"][0]  # type: ignore[attr-defined]
    assert_problem(cut, 422, "image")
    assert_problem(missing, 422, "image")
    assert snapshot(app) == before
