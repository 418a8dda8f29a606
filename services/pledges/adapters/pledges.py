"""Pledges in the pledges database, as domain objects."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import accounts, pledges
from services.pledges.domain import Pledge, PledgeStatus

_ACTIVE = PledgeStatus.PLEDGED.value
#: What settling or cancelling a campaign changes on its pledges.
_SETTLED = (
    "status",
    "payment_reference",
    "collection_attempt",
    "grace_ends_at",
    "payment_failure_code",
    "updated_at",
)

# Built once: constructing a statement and its cache key costs more CPU than running it, and a
# pledge runs these on every request (see docs/benchmarks.md, pledges API).
_INSERT = pledges.insert()
_ACTIVE_OF = sa.select(pledges).where(
    pledges.c.campaign_id == sa.bindparam("campaign_id"),
    pledges.c.backer_id == sa.bindparam("backer_id"),
    pledges.c.status == _ACTIVE,
)


class PledgeRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, pledge: Pledge) -> None:
        self._connection.execute(_INSERT, _row(pledge))

    def save(self, pledge: Pledge) -> None:
        """Write back a pledge changed under its campaign's lock."""
        row = _row(pledge)
        del row["id"]
        self._connection.execute(pledges.update().where(pledges.c.id == pledge.id).values(**row))

    def save_all(self, changed: list[Pledge]) -> None:
        """Write back many pledges at once (settling or cancelling a campaign)."""
        if not changed:
            return
        statement = (
            pledges.update()
            .where(pledges.c.id == sa.bindparam("pledge_id"))
            .values({name: sa.bindparam(f"new_{name}") for name in _SETTLED})
        )
        self._connection.execute(
            statement,
            [
                {"pledge_id": p.id, **{f"new_{name}": _row(p)[name] for name in _SETTLED}}
                for p in changed
            ],
        )

    def get(self, pledge_id: uuid.UUID) -> Pledge | None:
        row = (
            self._connection.execute(sa.select(pledges).where(pledges.c.id == pledge_id))
            .mappings()
            .first()
        )
        return None if row is None else _pledge(row)

    def campaign_of(self, pledge_id: uuid.UUID) -> uuid.UUID | None:
        """The id of the pledge's campaign, or None if there is no such pledge."""
        return self._connection.execute(
            sa.select(pledges.c.campaign_id).where(pledges.c.id == pledge_id)
        ).scalar_one_or_none()

    def active_of(self, campaign_id: uuid.UUID, backer_id: uuid.UUID) -> Pledge | None:
        """The backer's one active pledge to the campaign, if any."""
        found = self._connection.execute(
            _ACTIVE_OF, {"campaign_id": campaign_id, "backer_id": backer_id}
        )
        row = found.mappings().first()
        return None if row is None else _pledge(row)

    def active_for(self, campaign_id: uuid.UUID) -> list[Pledge]:
        """Every active pledge of the campaign, oldest first (the order their events go out)."""
        rows = self._connection.execute(
            sa.select(pledges)
            .where(pledges.c.campaign_id == campaign_id, pledges.c.status == _ACTIVE)
            .order_by(pledges.c.created_at, pledges.c.id)
        ).mappings()
        return [_pledge(row) for row in rows]

    def due_to_drop(self, now: datetime) -> list[uuid.UUID]:
        """Pledges whose payment failed and whose grace period is over, earliest first."""
        return list(
            self._connection.execute(
                sa.select(pledges.c.id)
                .where(
                    pledges.c.status == PledgeStatus.PAYMENT_FAILED.value,
                    pledges.c.grace_ends_at <= now,
                )
                .order_by(pledges.c.grace_ends_at, pledges.c.id)
            ).scalars()
        )

    def of_backer(
        self,
        backer_id: uuid.UUID,
        *,
        campaign_id: uuid.UUID | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Pledge]:
        """The backer's pledges (on `campaign_id` only, if given), newest first, whatever their
        state."""
        query = sa.select(pledges).where(pledges.c.backer_id == backer_id)
        if campaign_id is not None:
            query = query.where(pledges.c.campaign_id == campaign_id)
        rows = self._connection.execute(
            query.order_by(pledges.c.created_at.desc(), pledges.c.id).limit(limit).offset(offset)
        ).mappings()
        return [_pledge(row) for row in rows]

    def of_campaign(
        self,
        campaign_id: uuid.UUID,
        *,
        limit: int = 50,
        offset: int = 0,
        statuses: Collection[PledgeStatus] = (),
    ) -> list[tuple[Pledge, str | None]]:
        """The campaign's pledges, newest first, in ``statuses`` (every state if none), each
        with its backer's name (never the e-mail: the campaign's creator has no business
        with it)."""
        query = sa.select(pledges, accounts.c.name.label("backer_name")).where(
            pledges.c.campaign_id == campaign_id
        )
        if statuses:
            query = query.where(pledges.c.status.in_([s.value for s in statuses]))
        rows = self._connection.execute(
            query.select_from(pledges.outerjoin(accounts, accounts.c.id == pledges.c.backer_id))
            .order_by(pledges.c.created_at.desc(), pledges.c.id)
            .limit(limit)
            .offset(offset)
        ).mappings()
        return [
            (_pledge({column.name: row[column.name] for column in pledges.c}), row["backer_name"])
            for row in rows
        ]

    def totals_by_status(
        self, campaign_id: uuid.UUID, statuses: Collection[PledgeStatus]
    ) -> dict[PledgeStatus, tuple[int, int]]:
        """How many of the campaign's pledges are in each of ``statuses``, and their amounts'
        sum: ``{status: (pledges, amount)}``, a status with none left out."""
        rows = self._connection.execute(
            sa.select(pledges.c.status, sa.func.count(), sa.func.sum(pledges.c.amount))
            .where(
                pledges.c.campaign_id == campaign_id,
                pledges.c.status.in_([s.value for s in statuses]),
            )
            .group_by(pledges.c.status)
        ).all()
        return {PledgeStatus(status): (int(count), int(amount)) for status, count, amount in rows}

    def totals_by_source(
        self, campaign_id: uuid.UUID, statuses: Collection[PledgeStatus]
    ) -> list[tuple[str | None, int, int]]:
        """The campaign's pledges in ``statuses`` with something left after refunds, counted
        and summed (net of refunds) per source, in one GROUP BY: ``[(source, pledges,
        amount)]``, the largest amount first (then the most pledges, then by name, with the
        direct visits, ``None``, last among equals)."""
        net = sa.func.sum(pledges.c.amount - pledges.c.refunded_amount).label("amount")
        count = sa.func.count().label("pledges")
        rows = self._connection.execute(
            sa.select(pledges.c.source, count, net)
            .where(
                pledges.c.campaign_id == campaign_id,
                pledges.c.status.in_([s.value for s in statuses]),
                pledges.c.amount > pledges.c.refunded_amount,
            )
            .group_by(pledges.c.source)
            # `source IS NULL` sorts false (0) before true on both databases, unlike NULLS LAST.
            .order_by(net.desc(), count.desc(), pledges.c.source.is_(None), pledges.c.source)
        ).all()
        return [(source, int(n), int(amount)) for source, n, amount in rows]


def _row(pledge: Pledge) -> dict[str, Any]:
    return {
        "id": pledge.id,
        "campaign_id": pledge.campaign_id,
        "backer_id": pledge.backer_id,
        "amount": pledge.amount,
        "currency": pledge.currency,
        "tier_id": pledge.tier_id,
        "status": pledge.status.value,
        "refunded_amount": pledge.refunded_amount,
        "payment_reference": pledge.payment_reference,
        "collection_attempt": pledge.collection_attempt,
        "grace_ends_at": pledge.grace_ends_at,
        "payment_failure_code": pledge.payment_failure_code,
        "payment_method_id": pledge.payment_method_id,
        "checkout_session_id": pledge.checkout_session_id,
        "card_setup_attempt": pledge.card_setup_attempt,
        "source": pledge.source,
        "created_at": pledge.created_at,
        "updated_at": pledge.updated_at,
    }


def _pledge(row: Mapping[Any, Any]) -> Pledge:
    return Pledge(**{**row, "status": PledgeStatus(row["status"])})
