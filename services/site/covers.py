"""Pictures on the site: campaign covers at `/covers/{sha256}/{width}.jpg` (from the pledges
service) and the pictures of updates at `/campaigns/{id}/images/{sha256}/{width}.jpg` (from the
updates service): the site keeps no files. And the cover upload of the campaign form."""

from __future__ import annotations

import re
import uuid
from typing import Any

import flask
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from services.site import context
from services.site.clients import ApiError
from shared.images import MAX_UPLOAD_BYTES, WIDTHS

covers = flask.Blueprint("covers", __name__)

#: The form field of the campaign form that carries the picture.
FIELD = "cover"
#: The pages whose form carries a cover: only they take a body larger than the site's 64 KiB.
UPLOAD_ENDPOINTS = frozenset({"console.new_campaign", "console_campaign.edit"})
#: Room for the campaign form's other fields beside the picture.
_FORM_ROOM = 256 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: A cover's bytes never change under its name: caches may keep it for a year unasked.
PUBLIC_FOREVER = "public, max-age=31536000, immutable"


@covers.get("/covers/<string:sha256>/<int:width>.jpg")
def cover(sha256: str, width: int) -> flask.Response:
    if not _SHA256.fullmatch(sha256) or width not in WIDTHS:
        raise NotFound("There is no such picture.")
    try:
        jpeg = context.services().pledges.cover_image(sha256, width)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound("There is no such picture.") from None
        raise
    return _forever(jpeg, f"{sha256}-{width}")


def _forever(jpeg: bytes, etag: str) -> flask.Response:
    response = flask.Response(jpeg, mimetype="image/jpeg")
    response.headers["Cache-Control"] = PUBLIC_FOREVER
    response.set_etag(etag)
    response.make_conditional(flask.request)
    return response


@covers.get("/campaigns/<uuid:campaign_id>/images/<string:sha256>/<int:width>.jpg")
def update_image(campaign_id: uuid.UUID, sha256: str, width: int) -> flask.Response:
    """A picture of a campaign's updates, from the updates service, cached the same way."""
    if not _SHA256.fullmatch(sha256) or width not in WIDTHS:
        raise NotFound("There is no such picture.")
    try:
        jpeg = context.services().updates.update_image(campaign_id, sha256, width)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound("There is no such picture.") from None
        raise
    return _forever(jpeg, f"{sha256}-{width}")


def allow_cover_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before the CSRF check reads the form: the campaign form may carry a picture as large
    as the pledges service takes; every other form keeps the site's small limit."""
    if endpoint in UPLOAD_ENDPOINTS:
        flask.request.max_content_length = MAX_UPLOAD_BYTES + _FORM_ROOM


def too_large_message() -> str | None:
    """What a page too large for its limit says, when it is the campaign form: the picture."""
    if flask.request.endpoint in UPLOAD_ENDPOINTS:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        return (
            f"The cover image is too large: choose a picture of at most {megabytes} MB. "
            "Nothing was saved."
        )
    return None


def chosen_picture() -> FileStorage | None:
    """The picture chosen in the form's cover field, if any."""
    upload = flask.request.files.get(FIELD)
    return upload if upload is not None and upload.filename else None


def upload_cover(campaign_id: uuid.UUID | str, upload: FileStorage, token: str) -> list[str]:
    """Send the picture to the pledges service as the campaign's cover; the reasons it was
    refused, in words for people (none when it was taken)."""
    picture = (upload.filename or "cover", upload.stream, upload.mimetype or "image/jpeg")
    try:
        context.services().pledges.put_cover(campaign_id, picture, token=token)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            raise
        messages = exc.errors.get("image") or [exc.detail or "The picture could not be used."]
        return [message[:1].upper() + message[1:] for message in messages]
    return []
