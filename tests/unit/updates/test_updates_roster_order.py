"""Which pledge event replaces what the roster holds: the newer word, except that money
arrived is a fact, whatever the clocks of the pledges service's processes say."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.updates.adapters.backers import replaces

AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
EARLIER, LATER = AT - timedelta(seconds=2), AT + timedelta(seconds=2)


@pytest.mark.parametrize(
    ("held", "status", "at", "expected"),
    [
        ("pledged", "payment_failed", LATER, True),
        ("payment_failed", "dropped", LATER, True),
        ("dropped", "cancelled", EARLIER, False),  # a late, older event changes nothing
        # Paid late, or the card fixed: counts again even if stamped a little earlier.
        ("dropped", "collected", EARLIER, True),
        ("payment_failed", "collected", EARLIER, True),
        # Only an unpaid pledge fails or drops.
        ("collected", "dropped", LATER, False),
        ("collected", "payment_failed", LATER, False),
        ("refunded", "dropped", LATER, False),
        ("collected", "refunded", LATER, True),
    ],
)
def test_what_replaces_the_held_status(
    held: str, status: str, at: datetime, expected: bool
) -> None:
    assert replaces(held, AT, status, at) is expected
