"""A campaign's cover picture: accepted, stored by its SHA-256, and announced."""

from __future__ import annotations

from dataclasses import dataclass

from services.pledges import commands
from services.pledges.adapters.events import cover_changed
from services.pledges.domain import Campaign
from services.pledges.domain.errors import NotCampaignCreator
from services.pledges.handlers.common import Clock, UnknownCampaign, locked_campaign, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared import topics
from shared.images import accept_picture
from shared.picture_store import PictureStore


@dataclass(frozen=True)
class CoverChange:
    campaign: Campaign
    #: True when the campaign had no cover before (the answer is then 201, not 200).
    first: bool


def change_cover(
    command: commands.ChangeCover,
    uow: PledgesUnitOfWork,
    covers: PictureStore,
    clock: Clock = utc_now,
) -> CoverChange:
    with uow:
        # Who may is checked before the upload is decoded, which costs a second of CPU, and
        # the campaign is locked only after, so pledges are not held up by it.
        creator = uow.campaigns.creator_of(command.campaign_id)
        if creator is None:
            raise UnknownCampaign(f"No campaign {command.campaign_id}.")
        if creator != command.actor_id:
            raise NotCampaignCreator("only the campaign's creator chooses its cover")
        picture = accept_picture(command.image)
        campaign = locked_campaign(uow, command.campaign_id)
        first = campaign.cover_sha256 is None
        now = clock()
        if campaign.change_cover(command.actor_id, picture.sha256, now=now):
            # Files first: a stored picture no campaign names is harmless; a campaign naming
            # a picture that is not there is a broken page.
            covers.put(picture)
            uow.campaigns.save_state(campaign)
            uow.publish(topics.PLEDGES, cover_changed(campaign.id, picture, now))
            uow.commit()
    return CoverChange(campaign, first)
