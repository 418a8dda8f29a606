"""Receipts' public copies in the database: each publication kept as made, the newest shown."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.tables import pledge_backers, receipt_copies
from services.ledger.domain.receipt_copies import CopyKind, ReceiptCopy

#: Everything but the (large) copy and thumbnail, read apart when served.
_META = (
    receipt_copies.c.id,
    receipt_copies.c.campaign_id,
    receipt_copies.c.seq,
    receipt_copies.c.receipt_sha256,
    receipt_copies.c.kind,
    receipt_copies.c.sha256,
    receipt_copies.c.media_type,
    receipt_copies.c.pages,
    receipt_copies.c.published_by,
    receipt_copies.c.published_at,
)


class ReceiptCopyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, copy: ReceiptCopy, content: bytes, thumbnail: bytes) -> None:
        self._connection.execute(
            receipt_copies.insert().values(
                id=copy.id,
                campaign_id=copy.campaign_id,
                seq=copy.seq,
                receipt_sha256=copy.receipt_sha256,
                kind=copy.kind.value,
                sha256=copy.sha256,
                media_type=copy.media_type,
                pages=copy.pages,
                content=content,
                thumbnail=thumbnail,
                published_by=copy.published_by,
                published_at=copy.published_at,
            )
        )

    def current(self, campaign_id: uuid.UUID) -> list[ReceiptCopy]:
        """The newest copy of each of the campaign's receipts, in the order of their expenses."""
        rows = self._connection.execute(
            sa.select(*_META)
            .where(receipt_copies.c.campaign_id == campaign_id)
            .order_by(receipt_copies.c.published_at, receipt_copies.c.id)
        )
        newest: dict[str, ReceiptCopy] = {}
        for row in rows:
            newest[row.receipt_sha256] = _copy(row)
        return sorted(newest.values(), key=lambda copy: copy.seq)

    def newest(self, campaign_id: uuid.UUID, receipt_sha256: str) -> ReceiptCopy | None:
        row = self._newest(campaign_id, receipt_sha256, *_META)
        return None if row is None else _copy(row)

    def file(self, campaign_id: uuid.UUID, receipt_sha256: str, *, thumbnail: bool) -> bytes | None:
        """The newest copy's bytes (or its thumbnail's)."""
        column = receipt_copies.c.thumbnail if thumbnail else receipt_copies.c.content
        row = self._newest(campaign_id, receipt_sha256, column)
        return None if row is None else bytes(row[0])

    def _newest(
        self, campaign_id: uuid.UUID, receipt_sha256: str, *columns: sa.ColumnElement[object]
    ) -> Any:
        return self._connection.execute(
            sa.select(*columns)
            .where(
                receipt_copies.c.campaign_id == campaign_id,
                receipt_copies.c.receipt_sha256 == receipt_sha256,
            )
            .order_by(receipt_copies.c.published_at.desc(), receipt_copies.c.id.desc())
            .limit(1)
        ).first()

    def is_backer(self, campaign_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        """Whether the account's money was collected for the campaign (the ledger hears of
        backers only with their collected pledges)."""
        found = self._connection.execute(
            sa.select(pledge_backers.c.pledge_id)
            .where(
                pledge_backers.c.campaign_id == campaign_id,
                pledge_backers.c.backer_id == account_id,
            )
            .limit(1)
        ).first()
        return found is not None


def _copy(row: Any) -> ReceiptCopy:
    values = row._mapping
    return ReceiptCopy(
        id=values["id"],
        campaign_id=values["campaign_id"],
        seq=values["seq"],
        receipt_sha256=values["receipt_sha256"],
        kind=CopyKind(values["kind"]),
        sha256=values["sha256"],
        media_type=values["media_type"],
        pages=values["pages"],
        published_by=values["published_by"],
        published_at=values["published_at"],
    )
