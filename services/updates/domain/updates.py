"""Updates: who may post, edit and retract them, who may read them, and what each change records.

Nothing is ever removed: an edit adds a revision, a retraction puts a notice in front of the
content (which stays stored), and automatic updates, the record of money moving, take neither.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from services.updates.domain.errors import (
    AutomaticUpdateNotEditable,
    InvalidValue,
    NotCampaignCreator,
    UnknownCampaign,
    UpdateRetracted,
)
from services.updates.domain.texts import REASON_MAX, TITLE_MAX, checked, checked_markdown
from shared.languages import DEFAULT_LANGUAGE


class Kind(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class Visibility(StrEnum):
    PUBLIC = "public"
    BACKERS = "backers"


@dataclass(frozen=True)
class CampaignFacts:
    """What the updates service knows of a campaign, as the rules need it."""

    campaign_id: uuid.UUID
    creator_id: uuid.UUID
    title: str
    status: str
    goal_amount: int | None = None
    currency: str | None = None
    #: When the last campaign event the service applied happened.
    updated_at: datetime | None = None
    #: What its automatic updates are written in.
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Revision:
    """One version of an update: number 1 is the one first published."""

    number: int
    title: str
    body: str
    created_at: datetime


@dataclass
class Update:
    id: uuid.UUID
    campaign_id: uuid.UUID
    kind: Kind
    title: str
    #: Markdown, exactly as written.
    body: str
    visibility: Visibility
    pinned: bool
    published_at: datetime
    #: The creator who wrote it; None for automatic updates.
    author_id: uuid.UUID | None = None
    #: What an automatic update announces ("launched", "report:<id>"): once per campaign.
    automatic_key: str | None = None
    revised_at: datetime | None = None
    revision_count: int = 1
    retracted_at: datetime | None = None
    retraction_reason: str | None = None
    #: Revisions made in this unit of work, for the repository to append.
    new_revisions: list[Revision] = field(default_factory=list, compare=False, repr=False)

    @property
    def retracted(self) -> bool:
        return self.retracted_at is not None

    def revise(
        self,
        editor_id: uuid.UUID,
        creator_id: uuid.UUID,
        *,
        title: str | None,
        body: str | None,
        now: datetime,
    ) -> Revision | None:
        """Edit title and/or body; the new version becomes a revision. None when nothing
        changed (no revision is recorded for an edit that edits nothing)."""
        self._check_creator_may_change(editor_id, creator_id, "edited")
        if title is None and body is None:
            raise InvalidValue("give a title, a body or both to edit", "body")
        new_title = self.title if title is None else checked(title, "title", TITLE_MAX)
        new_body = self.body if body is None else checked_markdown(body)
        if (new_title, new_body) == (self.title, self.body):
            return None
        self.title, self.body = new_title, new_body
        self.revision_count += 1
        self.revised_at = now
        revision = Revision(self.revision_count, new_title, new_body, now)
        self.new_revisions.append(revision)
        return revision

    def retract(
        self, actor_id: uuid.UUID, creator_id: uuid.UUID, reason: object, now: datetime
    ) -> None:
        """Put a retraction notice with `reason` in front of the update, for good."""
        self._check_creator_may_change(actor_id, creator_id, "retracted")
        self.retraction_reason = checked(reason, "reason", REASON_MAX, multiline=True)
        self.retracted_at = now

    def _check_creator_may_change(
        self, actor_id: uuid.UUID, creator_id: uuid.UUID, verb: str
    ) -> None:
        # Who asks comes first: a stranger learns nothing about the update's state.
        if actor_id != creator_id:
            raise NotCampaignCreator(f"only the campaign's creator may have an update {verb}")
        if self.kind is Kind.AUTOMATIC:
            raise AutomaticUpdateNotEditable(
                f"automatic updates record what happened and cannot be {verb}"
            )
        if self.retracted:
            raise UpdateRetracted(f"the update was retracted and cannot be {verb}")


def post_update(
    campaign: CampaignFacts,
    *,
    update_id: uuid.UUID,
    author_id: uuid.UUID,
    title: object,
    body: object,
    visibility: str,
    pinned: bool,
    now: datetime,
) -> Update:
    """A creator's new update on their campaign (not a draft: drafts are nobody's business)."""
    if campaign.status == "draft":
        raise UnknownCampaign(f"No campaign {campaign.campaign_id} in the updates service.")
    if author_id != campaign.creator_id:
        raise NotCampaignCreator("only the campaign's creator may post its updates")
    update = Update(
        id=update_id,
        campaign_id=campaign.campaign_id,
        kind=Kind.MANUAL,
        title=checked(title, "title", TITLE_MAX),
        body=checked_markdown(body),
        visibility=_visibility(visibility),
        pinned=pinned,
        published_at=now,
        author_id=author_id,
    )
    update.new_revisions.append(Revision(1, update.title, update.body, now))
    return update


def automatic_update(
    campaign_id: uuid.UUID, key: str, title: str, body: str, at: datetime
) -> Update:
    """An announcement of the service's own, public; its id derives from (campaign, key), so a
    replayed event makes the very same update and the key's uniqueness keeps it to one."""
    update = Update(
        id=uuid.uuid5(campaign_id, key),
        campaign_id=campaign_id,
        kind=Kind.AUTOMATIC,
        title=title,
        body=body,
        visibility=Visibility.PUBLIC,
        pinned=False,
        published_at=at,
        automatic_key=key,
    )
    update.new_revisions.append(Revision(1, title, body, at))
    return update


def _visibility(value: str) -> Visibility:
    try:
        return Visibility(value)
    except ValueError:
        raise InvalidValue("visibility must be public or backers", "visibility") from None


def may_read(visibility: Visibility, *, is_creator: bool, is_backer: bool) -> bool:
    """Public updates are everyone's; backers-only ones the campaign's backers' and creator's."""
    return visibility is Visibility.PUBLIC or is_creator or is_backer
