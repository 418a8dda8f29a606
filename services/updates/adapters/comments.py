"""Comments in the database: posted, listed by thread, hidden (never deleted)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.updates.adapters.tables import comments
from services.updates.domain import Comment
from shared.db import is_postgresql


class CommentRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, comment: Comment) -> None:
        self._connection.execute(
            comments.insert().values(
                id=comment.id,
                update_id=comment.update_id,
                campaign_id=comment.campaign_id,
                author_id=comment.author_id,
                in_reply_to=comment.in_reply_to,
                body=comment.body,
                posted_at=comment.posted_at,
            )
        )

    def get(self, comment_id: uuid.UUID, *, for_update: bool = False) -> Comment | None:
        query = sa.select(comments).where(comments.c.id == comment_id)
        if for_update:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else _comment(row)

    def save_hidden(self, comment: Comment) -> None:
        self._connection.execute(
            comments.update()
            .where(comments.c.id == comment.id)
            .values(
                hidden_at=comment.hidden_at,
                hidden_reason=comment.hidden_reason,
                hidden_by=comment.hidden_by,
            )
        )

    def thread(self, update_id: uuid.UUID) -> list[Comment]:
        """The update's comments, oldest first."""
        query = (
            sa.select(comments)
            .where(comments.c.update_id == update_id)
            .order_by(comments.c.posted_at, comments.c.id)
        )
        return [_comment(row) for row in self._connection.execute(query).mappings()]

    def lock_author(self, author_id: uuid.UUID) -> None:
        """Serialise one account's comment posts until this transaction ends, so two processes
        cannot both slip under the rate limit. SQLite's writers are serialised already."""
        if is_postgresql(self._connection):
            key = int.from_bytes(author_id.bytes[:8], "big", signed=True)
            self._connection.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))

    def posted_since(self, author_id: uuid.UUID, since: datetime) -> list[datetime]:
        """When the account commented after `since` (on any campaign), oldest first."""
        query = (
            sa.select(comments.c.posted_at)
            .where(comments.c.author_id == author_id, comments.c.posted_at > since)
            .order_by(comments.c.posted_at)
        )
        return list(self._connection.execute(query).scalars())


def _comment(row: Any) -> Comment:
    return Comment(
        id=row["id"],
        update_id=row["update_id"],
        campaign_id=row["campaign_id"],
        author_id=row["author_id"],
        body=row["body"],
        posted_at=row["posted_at"],
        in_reply_to=row["in_reply_to"],
        hidden_at=row["hidden_at"],
        hidden_reason=row["hidden_reason"],
        hidden_by=row["hidden_by"],
    )
