"""When a campaign is owed a public report: at settlement once the books hold it, and monthly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.ledger.domain.report_rules import (
    MONTH,
    SETTLEMENT,
    SETTLEMENT_GRACE,
    Due,
    is_ready,
    month_end,
    month_of,
    monthly_due,
    settlement_due,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "month", "end"),
    [
        (datetime(2026, 11, 20, 12, tzinfo=UTC), "2026-11", datetime(2026, 12, 1, tzinfo=UTC)),
        (
            datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
            "2026-12",
            datetime(2027, 1, 1, tzinfo=UTC),
        ),
        (datetime(2026, 1, 1, tzinfo=UTC), "2026-01", datetime(2026, 2, 1, tzinfo=UTC)),
        # Months are the ledger's (UTC): 00:30 on 1 December in Paris is still November.
        (
            datetime(2026, 12, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
            "2026-11",
            datetime(2026, 12, 1, tzinfo=UTC),
        ),
    ],
)
def test_a_month_ends_at_the_first_instant_of_the_next_in_utc(
    moment: datetime, month: str, end: datetime
) -> None:
    assert month_of(moment) == month
    assert month_end(moment) == end
    assert monthly_due(moment) == Due(MONTH, month, end)


def test_a_month_report_is_due_only_once_the_month_is_over() -> None:
    due = monthly_due(NOW)
    assert not is_ready(due, contributions=0, now=NOW)
    assert not is_ready(due, contributions=0, now=due.due_at - timedelta(microseconds=1))
    assert is_ready(due, contributions=0, now=due.due_at)


def test_a_succeeded_campaign_waits_for_every_collection() -> None:
    due = settlement_due("succeeded", backers_count=3, heard_at=NOW)
    assert due == Due(SETTLEMENT, "succeeded", NOW, 3)
    assert not is_ready(due, contributions=0, now=NOW)
    assert not is_ready(due, contributions=2, now=NOW + timedelta(minutes=5))
    assert is_ready(due, contributions=3, now=NOW)
    # Refunds later do not matter: collections are counted, not the money held.
    assert is_ready(due, contributions=4, now=NOW)


def test_a_collection_that_never_comes_holds_the_report_back_only_for_a_while() -> None:
    due = settlement_due("succeeded", backers_count=3, heard_at=NOW)
    assert due is not None
    assert not is_ready(due, 2, NOW + SETTLEMENT_GRACE - timedelta(seconds=1))
    assert is_ready(due, 2, NOW + SETTLEMENT_GRACE)


def test_a_failed_campaign_collected_nothing_so_its_report_is_due_at_once() -> None:
    due = settlement_due("failed", backers_count=5, heard_at=NOW)
    assert due == Due(SETTLEMENT, "failed", NOW, 0)
    assert is_ready(due, contributions=0, now=NOW)


@pytest.mark.parametrize("status", ["draft", "live", "cancelled"])
def test_other_statuses_owe_no_settlement_report(status: str) -> None:
    assert settlement_due(status, backers_count=2, heard_at=NOW) is None
