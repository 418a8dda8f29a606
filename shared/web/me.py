"""`GET /api/v1/me`, in every service: who a token belongs to, as this service sees it."""

from __future__ import annotations

import marshmallow as ma

from shared.auth import Principal
from shared.web.api import Blueprint
from shared.web.auth import current_principal


class MeSchema(ma.Schema):
    account_id = ma.fields.UUID()
    role = ma.fields.String()


me_blp = Blueprint("me", __name__, url_prefix="/api/v1", description="Who the token belongs to")


@me_blp.get("/me")
@me_blp.authenticated()
@me_blp.response(200, MeSchema)
def me() -> Principal:
    """The account behind the bearer token, as this service sees it (revocations included)."""
    return current_principal()
