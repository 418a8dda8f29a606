"""The campaign form's cover image: the larger body its pages take, the page saying a picture
was too large, and sending the chosen picture on to the pledges service."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from services.site import context
from services.site.clients import ApiError
from shared.images import MAX_UPLOAD_BYTES

#: The form field of the campaign form that carries the picture.
FIELD = "cover"
#: The pages whose form carries a cover: only they take a body larger than the site's 64 KiB.
UPLOAD_ENDPOINTS = frozenset({"console.new_campaign", "console_campaign.edit"})
#: Room for the campaign form's other fields beside the picture.
_FORM_ROOM = 256 * 1024


def allow_cover_uploads(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before the CSRF check reads the form: the campaign form may carry a picture as large
    as the pledges service takes; every other form keeps the site's small limit."""
    if endpoint in UPLOAD_ENDPOINTS:
        flask.request.max_content_length = MAX_UPLOAD_BYTES + _FORM_ROOM


def too_large_message() -> str | None:
    """What a page too large for its limit says, when it is the campaign form: the picture."""
    if flask.request.endpoint in UPLOAD_ENDPOINTS:
        megabytes = MAX_UPLOAD_BYTES // (1024 * 1024)
        return _(
            "The cover image is too large: choose a picture of at most %(megabytes)s MB. "
            "Nothing was saved.",
            megabytes=megabytes,
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
        messages = exc.errors.get("image") or [exc.detail or _("The picture could not be used.")]
        return [message[:1].upper() + message[1:] for message in messages]
    return []
