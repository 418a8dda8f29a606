"""Pictures on the site: campaign covers at `/covers/{sha256}/{width}.jpg` (from the pledges
service) and the pictures of updates at `/campaigns/{id}/images/{sha256}/{width}.jpg` (from the
updates service): the site keeps no files. The campaign form's upload is `cover_uploads.py`."""

from __future__ import annotations

import re
import uuid

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from services.site import context
from services.site.clients import ApiError
from shared.images import WIDTHS

covers = flask.Blueprint("covers", __name__)

_SHA256 = re.compile(r"[0-9a-f]{64}")
#: A cover's bytes never change under its name: caches may keep it for a year unasked.
PUBLIC_FOREVER = "public, max-age=31536000, immutable"


@covers.get("/covers/<string:sha256>/<int:width>.jpg")
def cover(sha256: str, width: int) -> flask.Response:
    if not _SHA256.fullmatch(sha256) or width not in WIDTHS:
        raise NotFound(_("There is no such picture."))
    try:
        jpeg = context.services().pledges.cover_image(sha256, width)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound(_("There is no such picture.")) from None
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
        raise NotFound(_("There is no such picture."))
    try:
        jpeg = context.services().updates.update_image(campaign_id, sha256, width)
    except ApiError as exc:
        if exc.status == 404:
            raise NotFound(_("There is no such picture.")) from None
        raise
    return _forever(jpeg, f"{sha256}-{width}")
