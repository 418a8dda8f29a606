"""Updates and their revisions in the database: saved as the domain leaves them, never deleted."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.updates.adapters.tables import update_revisions, updates
from services.updates.domain import Kind, Revision, Update, Visibility
from shared.db import is_postgresql

#: The columns an edit or a retraction may change; the rest are fixed at publication.
_MUTABLE = ("title", "body", "revised_at", "revision_count", "retracted_at", "retraction_reason")


class UpdateRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, update: Update) -> bool:
        """Insert a new update with its first revision. False, writing nothing, when an
        automatic update with the same key is already there (a redelivered event)."""
        dialect = postgresql if is_postgresql(self._connection) else sqlite
        insert = (
            dialect.insert(updates)
            .values(_row(update))
            .on_conflict_do_nothing()
            .returning(updates.c.id)
        )
        if self._connection.execute(insert).first() is None:
            return False
        self._append_revisions(update)
        return True

    def get(self, update_id: uuid.UUID, *, for_update: bool = False) -> Update | None:
        query = sa.select(updates).where(updates.c.id == update_id)
        if for_update:  # PostgreSQL locks the row; SQLite's writers are serialised already
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else _update(row)

    def save(self, update: Update) -> None:
        """Store an edit or a retraction: the changed columns, and the new revisions appended."""
        values = {name: getattr(update, name) for name in _MUTABLE}
        self._connection.execute(updates.update().where(updates.c.id == update.id).values(values))
        self._append_revisions(update)

    def of_campaign(self, campaign_id: uuid.UUID) -> list[Update]:
        """The campaign's updates, pinned ones first, then newest first."""
        query = (
            sa.select(updates)
            .where(updates.c.campaign_id == campaign_id)
            .order_by(updates.c.pinned.desc(), updates.c.published_at.desc(), updates.c.id)
        )
        return [_update(row) for row in self._connection.execute(query).mappings()]

    def revisions(self, update_id: uuid.UUID) -> list[Revision]:
        """Every version of the update, oldest first."""
        query = (
            sa.select(update_revisions)
            .where(update_revisions.c.update_id == update_id)
            .order_by(update_revisions.c.number)
        )
        return [
            Revision(row["number"], row["title"], row["body"], row["created_at"])
            for row in self._connection.execute(query).mappings()
        ]

    def _append_revisions(self, update: Update) -> None:
        if update.new_revisions:
            self._connection.execute(
                update_revisions.insert(),
                [
                    {
                        "update_id": update.id,
                        "number": revision.number,
                        "title": revision.title,
                        "body": revision.body,
                        "created_at": revision.created_at,
                    }
                    for revision in update.new_revisions
                ],
            )
        update.new_revisions.clear()


def _row(update: Update) -> dict[str, Any]:
    return {
        "id": update.id,
        "campaign_id": update.campaign_id,
        "kind": update.kind.value,
        "automatic_key": update.automatic_key,
        "author_id": update.author_id,
        "visibility": update.visibility.value,
        "pinned": update.pinned,
        "published_at": update.published_at,
        **{name: getattr(update, name) for name in _MUTABLE},
    }


def _update(row: Any) -> Update:
    return Update(
        id=row["id"],
        campaign_id=row["campaign_id"],
        kind=Kind(row["kind"]),
        title=row["title"],
        body=row["body"],
        visibility=Visibility(row["visibility"]),
        pinned=row["pinned"],
        published_at=row["published_at"],
        author_id=row["author_id"],
        automatic_key=row["automatic_key"],
        revised_at=row["revised_at"],
        revision_count=row["revision_count"],
        retracted_at=row["retracted_at"],
        retraction_reason=row["retraction_reason"],
    )
