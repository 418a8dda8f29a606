"""When the ledger owes a campaign a public report: at settlement, and for each month with activity.

Pure rules; the worker's publishing job (report_publishing.py) asks them. Months are calendar
months in UTC, the ledger's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.ledger.domain.errors import NotAllowed

SETTLEMENT = "settlement"
MONTH = "month"

#: A settled campaign's report waits for the books to hold every collection, but not forever:
#: a collection that never arrives (a failed payment) must not hold the report back for good.
SETTLEMENT_GRACE = timedelta(hours=1)

#: The statuses that end a campaign with money settled (a cancelled one collected nothing).
SETTLED_STATUSES = ("succeeded", "failed")


class NotReportPublisher(NotAllowed):
    """Only the campaign's creator publishes its reports on demand."""


@dataclass(frozen=True)
class Due:
    """One report the ledger owes: for a settlement or a month, not before `due_at`."""

    occasion: str
    #: The settled status ("succeeded"/"failed"), or the month as "YYYY-MM".
    period: str
    due_at: datetime
    #: Settlement: how many contributions the books must hold first; None for a month.
    expected_contributions: int | None = None


def month_of(moment: datetime) -> str:
    """The calendar month (UTC) of `moment`, as "YYYY-MM"."""
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_end(moment: datetime) -> datetime:
    """The first instant of the month after `moment`'s (UTC): when that month's report is due,
    and the cut-off of the entries it covers."""
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def monthly_due(recorded_at: datetime) -> Due:
    """The report owed for the month in which an entry was appended."""
    return Due(MONTH, month_of(recorded_at), month_end(recorded_at))


def settlement_due(status: str, backers_count: int, heard_at: datetime) -> Due | None:
    """The report owed when a campaign settles; None for any other status.

    After `campaign.succeeded` the pledges service collects each pledge and the ledger hears a
    `pledge.collected` per backer, so the report waits for `backers_count` contributions. A
    failed campaign collects nothing: its report is due at once. `heard_at` is the ledger's
    time, not the event's: the grace period runs from when the ledger learnt of the settlement.
    """
    if status not in SETTLED_STATUSES:
        return None
    expected = backers_count if status == "succeeded" else 0
    return Due(SETTLEMENT, status, heard_at, expected)


def is_ready(due: Due, contributions: int, now: datetime) -> bool:
    """Whether an owed report may be published now, with `contributions` in the books."""
    if now < due.due_at:
        return False
    if due.expected_contributions is None or contributions >= due.expected_contributions:
        return True
    return now >= due.due_at + SETTLEMENT_GRACE
