"""A campaign's cover picture over HTTP: its creator uploads it; anyone who may see the
campaign fetches it, at each published width."""

from __future__ import annotations

import uuid
from typing import Any

import flask

from services.pledges import commands
from services.pledges.api import context
from services.pledges.api.schemas import CampaignOut
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.values import CampaignStatus
from services.pledges.handlers.covers import change_cover
from shared.web.api import MULTIPART, PUBLIC_OR_BEARER, UploadBlueprint
from shared.web.auth import current_principal, optional_principal
from shared.web.pictures import PictureForm, picture_response, read_upload
from shared.web.problems import Problem

blp = UploadBlueprint("covers", __name__, url_prefix="/api/v1", description="Cover pictures")


@blp.put("/campaigns/<uuid:campaign_id>/cover")
@blp.authenticated("creator")
@blp.arguments(PictureForm, location=MULTIPART)
@blp.response(200, CampaignOut, description="The cover was replaced (or was already this one)")
@blp.alt_response(201, schema=CampaignOut, description="The campaign's first cover")
@blp.problem(403, "Not this campaign's creator")
@blp.problem(404, "No such campaign")
@blp.problem(409, "The campaign has ended")
@blp.problem(413, "The picture is too large")
@blp.problem(422, "Not a picture we publish: not an image, damaged, animated or too many pixels")
def put_cover(form: dict[str, Any], campaign_id: uuid.UUID) -> Any:
    """Make the uploaded picture (JPEG, PNG or WebP) the campaign's cover, while it is a draft
    or live. Its metadata (EXIF, GPS, XMP) is removed and it is published at fixed widths."""
    dependencies = current_dependencies()
    assert dependencies.covers is not None
    command = commands.ChangeCover(
        campaign_id=campaign_id,
        actor_id=current_principal().account_id,
        image=read_upload(form),
    )
    change = change_cover(
        command, dependencies.uow_factory(), dependencies.covers, dependencies.clock
    )
    return context.campaign_view(change.campaign), 201 if change.first else 200


@blp.get("/covers/<string:sha256>/<int:width>.jpg")
@blp.response(200, description="The cover at that width", content_type="image/jpeg")
@blp.doc(security=PUBLIC_OR_BEARER)
@blp.problem(401, "A token was given but is not valid")
@blp.problem(404, "No campaign shows this picture, or not at that width")
def get_cover(sha256: str, width: int) -> flask.Response:
    """A cover picture, immutable under its name. A draft's cover is shown only to its
    creator (as the draft itself), and never kept by a shared cache."""
    dependencies = current_dependencies()
    assert dependencies.covers is not None
    with dependencies.uow_factory() as uow:
        shown_by = uow.campaigns.with_cover(sha256)
    jpeg = dependencies.covers.get(sha256, width) if shown_by else None
    if shown_by is None or jpeg is None:
        raise Problem(404, "No such cover picture.")
    creator_id, status = shown_by
    if status is CampaignStatus.DRAFT:
        principal = optional_principal()
        if principal is None or principal.account_id != creator_id:
            raise Problem(404, "No such cover picture.")
    return picture_response(jpeg, public=status is not CampaignStatus.DRAFT)
