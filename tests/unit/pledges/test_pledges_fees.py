"""The platform's fee: basis points of a pledge, in integer minor units, rounded down."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.pledges.domain.fees import BPS_DENOMINATOR, platform_fee


@pytest.mark.parametrize(
    ("amount", "bps", "fee"),
    [
        (10_000, 0, 0),  # the default: no fee
        (10_000, 500, 500),  # 5 % of 100.00 is 5.00
        (1_999, 500, 99),  # 99.95 rounds down to 99: never more than the stated rate
        (19, 500, 0),  # below one minor unit is no fee at all
        (1, BPS_DENOMINATOR, 1),  # 100 % takes everything, and no more
        (123_456_789, 1, 12_345),
        (0, 250, 0),
    ],
)
def test_the_fee_is_rounded_down_to_the_minor_unit(amount: int, bps: int, fee: int) -> None:
    assert platform_fee(amount, bps) == fee


@given(amount=st.integers(0, 10**15), bps=st.integers(0, BPS_DENOMINATOR))
def test_the_fee_is_the_largest_whole_unit_within_the_rate(amount: int, bps: int) -> None:
    fee = platform_fee(amount, bps)
    assert isinstance(fee, int)
    # fee ≤ amount × bps / 10 000 < fee + 1, in integers: exact, whatever the size.
    assert fee * BPS_DENOMINATOR <= amount * bps < (fee + 1) * BPS_DENOMINATOR
    assert 0 <= fee <= amount


@pytest.mark.parametrize(("amount", "bps"), [(-1, 100), (100, -1), (100, BPS_DENOMINATOR + 1)])
def test_nonsense_is_refused(amount: int, bps: int) -> None:
    with pytest.raises(ValueError):
        platform_fee(amount, bps)
