"""The platform's fee on a collected pledge, from basis points, in integer minor units."""

from __future__ import annotations

#: Basis points in a whole: 10 000 bps = 100 %.
BPS_DENOMINATOR = 10_000


def platform_fee(amount: int, fee_bps: int) -> int:
    """The platform's share of `amount` (minor units) at `fee_bps` basis points.

    Rounded down to the minor unit: the creator is never charged more than the stated rate,
    and a fee that works out below one minor unit is no fee at all. Integer arithmetic only.
    """
    if amount < 0:
        raise ValueError("an amount is never negative")
    if not 0 <= fee_bps <= BPS_DENOMINATOR:
        raise ValueError(f"a fee is from 0 to {BPS_DENOMINATOR} basis points")
    return amount * fee_bps // BPS_DENOMINATOR
