"""`GET /api/v1/limits`: the limits the updates service enforces, for clients to show and check
before they send (the site sizes its forms from it instead of keeping copies)."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma

from services.updates.domain.texts import BODY_MAX, TITLE_MAX
from shared.web.api import Blueprint

blp = Blueprint(
    "updates limits",
    __name__,
    url_prefix="/api/v1",
    description="The limits the updates service enforces",
)

#: They change only with a new release: a cache may keep them for an hour.
CACHE_CONTROL = "public, max-age=3600"


class LimitsSchema(ma.Schema):
    max_request_bytes = ma.fields.Integer(
        required=True, metadata={"description": "Largest request body accepted (413 beyond)"}
    )
    body_max_chars = ma.fields.Integer(
        required=True, metadata={"description": "Characters of an update's Markdown body"}
    )
    title_max_chars = ma.fields.Integer(
        required=True, metadata={"description": "Characters of an update's title"}
    )


@blp.get("/limits")
@blp.response(200, LimitsSchema, headers={"Cache-Control": {"schema": {"type": "string"}}})
def limits() -> tuple[dict[str, Any], int, dict[str, str]]:
    """The limits in force, read from where they are enforced; public and cacheable."""
    return (
        {
            "max_request_bytes": flask.current_app.config["MAX_CONTENT_LENGTH"],
            "body_max_chars": BODY_MAX,
            "title_max_chars": TITLE_MAX,
        },
        200,
        {"Cache-Control": CACHE_CONTROL},
    )
