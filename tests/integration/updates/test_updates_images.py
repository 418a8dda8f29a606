"""Pictures in updates: the creator uploads a phone photo, gets its address, and an update that
names it shows it; the picture comes back without its metadata; others cannot upload, and a
remote picture in the same body stays a link."""

from __future__ import annotations

import io

from PIL import Image

from tests.factories import PHOTO_SECRETS, phone_photo
from tests.integration.updates.updates_support import World


def upload(world: World, who: str, content: bytes) -> object:
    return world.app.test_client().post(
        f"/api/v1/campaigns/{world.campaign_id}/images",
        data={"image": (io.BytesIO(content), "IMG_0007.JPG")},
        content_type="multipart/form-data",
        headers=world.headers(who),
    )


def test_an_uploaded_picture_shows_in_an_update_and_a_remote_one_stays_a_link(
    world: World,
) -> None:
    made = upload(world, "creator", phone_photo())

    assert made.status_code == 201, made.json  # type: ignore[attr-defined]
    image = made.json  # type: ignore[attr-defined]
    assert (image["width"], image["height"]) == (1200, 900)
    path = f"/campaigns/{world.campaign_id}/images/{image['sha256']}/1200.jpg"
    assert image["url"] == f"http://127.0.0.1:8000{path}"

    body = f"![The press]({image['url']})\n\n![pixel](https://tracker.example/p.gif)"
    posted = world.post(body=body)
    html = posted.json["body_html"]
    assert f'<img src="{image["url"]}" alt="The press" loading="lazy">' in html
    assert html.count("<img") == 1 and 'href="https://tracker.example/p.gif"' in html

    served = world.get(f"/api/v1{path}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    with Image.open(io.BytesIO(served.data)) as picture:
        assert picture.size == (1200, 900) and dict(picture.getexif()) == {}
    assert not any(secret in served.data for secret in PHOTO_SECRETS)
    # Another campaign's address for the same picture: not one of its uploads.
    other = path.replace(str(world.campaign_id), "1b4e28ba-2fa1-11d2-883f-0016d3cca427")
    assert world.get(f"/api/v1{other}").status_code == 404

    refused = upload(world, "other_creator", phone_photo())
    text = upload(world, "creator", b"GIF89a not really")
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert text.status_code == 422 and "image" in text.json["errors"]  # type: ignore[attr-defined]
