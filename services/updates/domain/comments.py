"""Questions and answers under updates: who may speak, how often, and hiding abuse.

A hidden comment stays in its thread (its id, when and why it was hidden) without its text, so
a creator can remove abuse but not quietly rewrite a conversation.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.updates.domain.errors import (
    InvalidValue,
    NotAReader,
    NotCampaignCreator,
    StateConflict,
    TooManyComments,
    UpdateRetracted,
)
from services.updates.domain.texts import COMMENT_MAX, REASON_MAX, checked
from services.updates.domain.updates import Update


@dataclass
class Comment:
    id: uuid.UUID
    update_id: uuid.UUID
    campaign_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    posted_at: datetime
    in_reply_to: uuid.UUID | None = None
    hidden_at: datetime | None = None
    hidden_reason: str | None = None
    hidden_by: uuid.UUID | None = None

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    def hide(
        self, actor_id: uuid.UUID, creator_id: uuid.UUID, reason: object, now: datetime
    ) -> None:
        if actor_id != creator_id:
            raise NotCampaignCreator("only the campaign's creator may hide its comments")
        if self.hidden:
            raise StateConflict("the comment is already hidden")
        self.hidden_reason = checked(reason, "reason", REASON_MAX, multiline=True)
        self.hidden_at, self.hidden_by = now, actor_id


@dataclass(frozen=True)
class RateLimit:
    """At most `count` comments per account in any `window`."""

    count: int
    window: timedelta

    def check(self, recent: list[datetime], now: datetime) -> None:
        """`recent`: the account's comment times within the window before `now`, oldest first."""
        if len(recent) < self.count:
            return
        # The first slot frees up when the oldest comment that still counts leaves the window.
        oldest_counted = recent[len(recent) - self.count]
        wait = (oldest_counted + self.window - now).total_seconds()
        raise TooManyComments(
            f"at most {self.count} comments per {int(self.window.total_seconds())} seconds",
            retry_after=max(1, math.ceil(wait)),
        )


def post_comment(
    update: Update,
    *,
    comment_id: uuid.UUID,
    author_id: uuid.UUID,
    creator_id: uuid.UUID,
    author_is_backer: bool,
    body: object,
    reply_to: Comment | None,
    in_reply_to: uuid.UUID | None,
    recent: list[datetime],
    rate_limit: RateLimit,
    now: datetime,
) -> Comment:
    """A comment by a backer or the creator; refused for anyone else, on a retracted update,
    past the rate limit, or as a reply to a comment that is not in this thread."""
    if author_id != creator_id and not author_is_backer:
        raise NotAReader("only the campaign's backers and its creator may comment")
    if update.retracted:
        raise UpdateRetracted("the update was retracted and takes no more comments")
    text = checked(body, "body", COMMENT_MAX, multiline=True)
    if in_reply_to is not None and (reply_to is None or reply_to.update_id != update.id):
        raise InvalidValue("in_reply_to must name a comment on the same update", "in_reply_to")
    rate_limit.check(recent, now)
    return Comment(
        id=comment_id,
        update_id=update.id,
        campaign_id=update.campaign_id,
        author_id=author_id,
        body=text,
        posted_at=now,
        in_reply_to=in_reply_to,
    )
