"""The backer roster: every pledge of every campaign and where it stands, from pledge events.

A backer may read a campaign's backers-only updates while one of their pledges is live
(`pledged`, or `payment_failed` while the backer may still fix it) or `collected`. A pledge
refunded whole is `refunded` and no longer counts: its backer put nothing into the campaign in
the end; a partial refund leaves it `collected`. A pledge `dropped` (its payment never came) is
treated like a cancelled one, until it is paid late and `collected` again.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.updates.adapters.tables import backer_pledges
from shared.events.catalog import PledgeEvent, PledgeRefunded

#: Pledge event type → the pledge's status after it.
STATUS_AFTER = {
    "pledge.created": "pledged",
    "pledge.changed": "pledged",
    "pledge.cancelled": "cancelled",
    "pledge.collected": "collected",
    "pledge.released": "released",
    "pledge.refunded": "collected",  # unless refunded whole: see `record`
    "pledge.payment_failed": "payment_failed",
    "pledge.dropped": "dropped",
}
#: Whose pledges make them readers of backers-only updates.
READING = ("pledged", "payment_failed", "collected")
#: Pledges that still count towards the campaign's total (as the pledges service counts them).
COUNTING = READING
#: Pledges whose backers walked away or never paid: not among a campaign's backers at all.
GONE = ("cancelled", "dropped")
#: Money arrived is a fact: whatever the clocks of the events say (the pledges service's
#: processes each stamp their own), a failure or a drop never undoes a collection, and a
#: collection (paid late, or after a card was fixed) always ends a failure or a drop.
_PAID = ("collected", "refunded")
_UNPAID = ("payment_failed", "dropped")


class BackerRoster:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def record(self, event: PledgeEvent) -> None:
        """Follow one pledge event; a late event older than what is held changes nothing
        (except money arrived: see `replaces`)."""
        status = STATUS_AFTER[event.TYPE]
        held = self._connection.execute(
            sa.select(backer_pledges.c.status, backer_pledges.c.updated_at).where(
                backer_pledges.c.pledge_id == event.pledge_id
            )
        ).first()
        # On `pledge.refunded`, `amount` is what this refund returns, not the pledge's amount.
        if isinstance(event, PledgeRefunded):
            amount = event.collected_amount
            if event.refunded_total >= event.collected_amount:
                status = "refunded"
        else:
            amount = event.amount
        values = {"status": status, "amount": amount, "updated_at": event.occurred_at}
        if held is None:
            self._connection.execute(
                backer_pledges.insert().values(
                    pledge_id=event.pledge_id,
                    campaign_id=event.campaign_id,
                    backer_id=event.backer_id,
                    **values,
                )
            )
        elif replaces(held.status, held.updated_at, status, event.occurred_at):
            self._connection.execute(
                backer_pledges.update()
                .where(backer_pledges.c.pledge_id == event.pledge_id)
                .values(**values)
            )

    def readers(self, campaign_id: uuid.UUID) -> list[uuid.UUID]:
        """The backers who may read the campaign's backers-only updates (not its creator)."""
        return self._backers(campaign_id, backer_pledges.c.status.in_(READING))

    def all_backers(self, campaign_id: uuid.UUID) -> list[uuid.UUID]:
        """Everyone who has backed the campaign and not withdrawn: readers, and backers whose
        pledges were released (the campaign failed or was cancelled) or refunded. A backer who
        cancelled every pledge of theirs walked away, and one whose pledges all dropped never
        paid: neither is among them."""
        return self._backers(campaign_id, backer_pledges.c.status.not_in(GONE))

    def is_reader(self, campaign_id: uuid.UUID, account_id: uuid.UUID) -> bool:
        query = sa.select(backer_pledges.c.pledge_id).where(
            backer_pledges.c.campaign_id == campaign_id,
            backer_pledges.c.backer_id == account_id,
            backer_pledges.c.status.in_(READING),
        )
        return self._connection.execute(query.limit(1)).first() is not None

    def pledged(self, campaign_id: uuid.UUID) -> tuple[int, int]:
        """The campaign's total of live and collected pledges, and how many backers made them."""
        row = self._connection.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(backer_pledges.c.amount), 0),
                sa.func.count(sa.distinct(backer_pledges.c.backer_id)),
            ).where(
                backer_pledges.c.campaign_id == campaign_id,
                backer_pledges.c.status.in_(COUNTING),
            )
        ).one()
        return int(row[0]), int(row[1])

    def _backers(
        self, campaign_id: uuid.UUID, condition: sa.ColumnElement[bool]
    ) -> list[uuid.UUID]:
        query = (
            sa.select(backer_pledges.c.backer_id)
            .where(backer_pledges.c.campaign_id == campaign_id, condition)
            .distinct()
            .order_by(backer_pledges.c.backer_id)
        )
        return list(self._connection.execute(query).scalars())


def replaces(held: str, held_at: datetime, status: str, at: datetime) -> bool:
    """Whether an event leaving the pledge `status` at `at` replaces what is held: the newer
    word wins (a late, older event changes nothing), except that money arrived is a fact."""
    if held in _UNPAID and status == "collected":
        return True  # paid late: counts again, even if the drop's clock ran ahead
    if held in _PAID and status in _UNPAID:
        return False  # only an unpaid pledge fails or drops
    return held_at <= at
