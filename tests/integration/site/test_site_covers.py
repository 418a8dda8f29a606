"""A cover image through the site's campaign form, against the real services: a phone photo
with its GPS position goes in, the campaign page and the home list show it, and the picture
fetched back from the site has no metadata left; what is no picture, or too large, is refused
with a page that says so."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from services.site.covers import PUBLIC_FOREVER
from shared.images import MAX_UPLOAD_BYTES
from tests.factories import PHOTO_SECRETS, bearer, phone_photo
from tests.integration.site.site_support import Stack, csrf_of

DEADLINE = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


def campaign_form(csrf: str, cover: bytes | None = None) -> dict[str, object]:
    form: dict[str, object] = {
        "csrf_token": csrf,
        "title": "Cider press",
        "description": "A press for the village orchard.",
        "goal": "5000",
        "currency": "EUR",
        "deadline": DEADLINE,
        "funding_model": "flexible",
    }
    if cover is not None:
        form["cover"] = (io.BytesIO(cover), "IMG_0042.JPG")
    return form


def test_a_cover_from_the_form_is_shown_and_served_without_its_gps_position_or_refused(
    stack: Stack,
) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    page = client.get("/console/new").get_data(as_text=True)
    assert ">Cover image</label>" in page and 'enctype="multipart/form-data"' in page

    made = client.post(
        "/console/new",
        data=campaign_form(csrf_of(page), phone_photo()),
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "Your draft “Cider press” is saved." in made.get_data(as_text=True)
    [campaign] = stack.pledges.get("/api/v1/me/campaigns", headers=bearer(token)).json["campaigns"]
    sha256 = campaign["cover"]["sha256"]
    stack.pledges.post(f"/api/v1/campaigns/{campaign['id']}/launch", headers=bearer(token))
    stack.relay()

    visitor = stack.site_client()
    for shown in (visitor.get(f"/campaigns/{campaign['id']}"), visitor.get("/")):
        [img] = re.findall(r'<img class="cover-picture"[^>]*>', shown.get_data(as_text=True))
        assert f'src="/covers/{sha256}/640.jpg"' in img and 'alt="Cider press"' in img
        assert f"/covers/{sha256}/1200.jpg 1200w" in img
        assert 'width="1200" height="630"' in img

    served = visitor.get(f"/covers/{sha256}/1200.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == PUBLIC_FOREVER
    with Image.open(io.BytesIO(served.data)) as image:
        assert image.size == (1200, 900)
        assert dict(image.getexif()) == {} and "xmp" not in image.info
    assert not any(secret in served.data for secret in PHOTO_SECRETS)
    assert (
        visitor.get(
            f"/covers/{sha256}/1200.jpg", headers={"If-None-Match": served.headers["ETag"]}
        ).status_code
        == 304
    )
    assert visitor.get(f"/covers/{'0' * 64}/640.jpg").status_code == 404

    # What is no picture, or too large, is refused with a page saying so; nothing changes.
    draft = stack.campaign(token, launch=False)
    edit = f"/console/campaigns/{draft['id']}/edit"
    csrf = csrf_of(client.get(edit).get_data(as_text=True))

    text = client.post(
        edit,
        data=campaign_form(csrf, b"name,amount\nrent,100\n"),
        content_type="multipart/form-data",
    )
    # Encoded in memory: a body this large would otherwise go through a temporary file that
    # nobody closes once the site refuses to read it.
    too_large = io.BytesIO(b"\xff\xd8\xff" + bytes(MAX_UPLOAD_BYTES + 300_000))
    boundary, body = encode_multipart(
        {**campaign_form(csrf), "cover": FileStorage(too_large, "huge.jpg", "cover")}
    )
    huge = client.post(edit, data=body, content_type=f"multipart/form-data; boundary={boundary}")

    assert text.status_code == 422
    words = text.get_data(as_text=True)
    assert re.search(r'id="cover-error1">The file is not a JPEG, PNG or WebP picture', words)
    assert "its cover image was not" in words
    assert huge.status_code == 413
    assert "The cover image is too large" in huge.get_data(as_text=True)
    shown = stack.pledges.get(f"/api/v1/campaigns/{draft['id']}", headers=bearer(token)).json
    assert shown["cover"] is None


def test_a_picture_inserted_in_an_update_is_shown_and_served_by_the_site(stack: Stack) -> None:
    _, token = stack.account("creator")
    client = stack.site_client(token, role="creator")
    campaign = stack.campaign(token)
    path = f"/console/campaigns/{campaign['id']}/updates/new"
    page = client.get(path).get_data(as_text=True)
    form = {"csrf_token": csrf_of(page), "title": "The press", "visibility": "public"}

    inserted = client.post(
        path,
        data={
            **form,
            "body": "It came today.",
            "image_alt": "The press in the barn",
            "image": (io.BytesIO(phone_photo()), "IMG_0008.JPG"),
            "action": "insert",
        },
        content_type="multipart/form-data",
    )

    assert inserted.status_code == 200
    found = re.search(
        r"It came today.\s+!\[The press in the barn\]\((http://127\.0\.0\.1:8000"
        r"(/campaigns/[0-9a-f-]{36}/images/([0-9a-f]{64})/1200\.jpg))\)",
        inserted.get_data(as_text=True),
    )
    assert found, "the picture's Markdown is not in the body"
    url, _, sha256 = found.groups()
    body = f"It came today.\n\n![The press in the barn]({url})\n"
    published = client.post(path, data={**form, "body": body}, follow_redirects=True)
    assert f'<img src="{url}" alt="The press in the barn"' in published.get_data(as_text=True)

    served = stack.site_client().get(f"/campaigns/{campaign['id']}/images/{sha256}/640.jpg")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert not any(secret in served.data for secret in PHOTO_SECRETS)
