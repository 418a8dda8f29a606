"""Pictures in updates over HTTP: a campaign's creator uploads one and gets the address to put
in an update's Markdown; anyone fetches it, at each published width."""

from __future__ import annotations

import uuid
from typing import Any

import flask
import marshmallow as ma

from services.updates.bootstrap import current_dependencies
from shared.images import accept_picture
from shared.web.api import MULTIPART, UploadBlueprint
from shared.web.auth import current_principal
from shared.web.pictures import PictureForm, picture_response, read_upload
from shared.web.problems import Problem

blp = UploadBlueprint(
    "update_images", __name__, url_prefix="/api/v1", description="Pictures in updates"
)
#: The route that takes a picture: only it may receive a body past the service's small limit.
UPLOAD_ENDPOINT = "update_images.upload_image"


class ImageOut(ma.Schema):
    sha256 = ma.fields.String(metadata={"description": "Names the picture (hex SHA-256)"})
    url = ma.fields.String(
        metadata={"description": "Its address on the site: what `![alt](url)` in a body names"}
    )
    width = ma.fields.Integer(metadata={"description": "Of the picture at that address, in px"})
    height = ma.fields.Integer()


@blp.post("/campaigns/<uuid:campaign_id>/images")
@blp.authenticated("creator")
@blp.arguments(PictureForm, location=MULTIPART)
@blp.response(201, ImageOut)
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(413, "The picture is too large")
@blp.problem(422, "Not a picture we publish: not an image, damaged, animated or too many pixels")
def upload_image(form: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
    """Upload a picture (JPEG, PNG or WebP) for the campaign's updates: its metadata (EXIF,
    GPS, XMP) is removed and it is published at fixed widths. Put the answer's `url` in an
    update's Markdown as `![what it shows](url)`: only such addresses show as pictures."""
    root = current_dependencies()
    with root.uow_factory() as uow:
        campaign = uow.campaigns.facts(campaign_id)
    if campaign is None:
        raise Problem(404, f"No campaign {campaign_id}.")
    if campaign.creator_id != current_principal().account_id:
        raise Problem(403, "Only the campaign's creator adds pictures to its updates.")
    picture = accept_picture(read_upload(form))
    root.update_images(campaign_id).put(picture)
    widest = picture.renditions[-1]
    url = f"{root.updates_settings.site_url}{site_path(campaign_id, picture.sha256, widest.width)}"
    return {"sha256": picture.sha256, "url": url, "width": widest.width, "height": widest.height}


@blp.get("/campaigns/<uuid:campaign_id>/images/<string:sha256>/<int:width>.jpg")
@blp.response(200, description="The picture at that width", content_type="image/jpeg")
@blp.problem(404, "No such picture of this campaign, or not at that width")
def get_image(campaign_id: uuid.UUID, sha256: str, width: int) -> flask.Response:
    """A picture of the campaign's updates, immutable under its name (the SHA-256 of its
    pixels: nobody finds it without the address an update gives)."""
    jpeg = current_dependencies().update_images(campaign_id).get(sha256, width)
    if jpeg is None:
        raise Problem(404, "No such picture.")
    return picture_response(jpeg, public=True)


def site_path(campaign_id: uuid.UUID, sha256: str, width: int) -> str:
    """Where the site serves a picture of an update (its own address, fetched from here)."""
    return f"/campaigns/{campaign_id}/images/{sha256}/{width}.jpg"
