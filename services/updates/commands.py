"""The orders the updates service takes over its API, one frozen dataclass each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PostUpdate:
    campaign_id: uuid.UUID
    author_id: uuid.UUID
    title: str
    #: Markdown, stored as written.
    body: str
    visibility: str
    pinned: bool = False
    update_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class ReviseUpdate:
    update_id: uuid.UUID
    editor_id: uuid.UUID
    #: None leaves it as it is.
    title: str | None = None
    body: str | None = None


@dataclass(frozen=True)
class RetractUpdate:
    update_id: uuid.UUID
    actor_id: uuid.UUID
    reason: str


@dataclass(frozen=True)
class PostComment:
    update_id: uuid.UUID
    author_id: uuid.UUID
    body: str
    in_reply_to: uuid.UUID | None = None
    comment_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass(frozen=True)
class HideComment:
    comment_id: uuid.UUID
    actor_id: uuid.UUID
    reason: str
