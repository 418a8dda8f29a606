"""The pledge state machine: every operation from every pledge state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.pledges.domain import (
    DomainError,
    InvalidAmount,
    Pledge,
    PledgeNotActive,
    PledgeNotCollected,
    PledgeStatus,
    RefundExceedsCollected,
)

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def pledge_in(status: PledgeStatus, amount: int = 5_000, refunded: int = 0) -> Pledge:
    return Pledge(
        id=uuid.uuid4(),
        campaign_id=uuid.uuid4(),
        backer_id=uuid.uuid4(),
        amount=amount,
        currency="EUR",
        status=status,
        refunded_amount=refunded,
        created_at=T0,
        updated_at=T0,
    )


OPERATIONS: dict[str, Callable[[Pledge], None]] = {
    "change": lambda p: p.change(7_000, None, T1),
    "cancel": lambda p: p.cancel(T1),
    "collect": lambda p: p.collect("ref-1", T1),
    "release": lambda p: p.release("ref-1", T1),
    "refund": lambda p: p.refund(1_000, T1),
}

ALLOWED = {
    ("change", PledgeStatus.PLEDGED): PledgeStatus.PLEDGED,
    ("cancel", PledgeStatus.PLEDGED): PledgeStatus.CANCELLED,
    ("collect", PledgeStatus.PLEDGED): PledgeStatus.COLLECTED,
    ("release", PledgeStatus.PLEDGED): PledgeStatus.RELEASED,
    ("refund", PledgeStatus.COLLECTED): PledgeStatus.REFUNDED,
    # A partly refunded pledge may be refunded again, up to what was collected.
    ("refund", PledgeStatus.REFUNDED): PledgeStatus.REFUNDED,
}


def _refused(operation: str, status: PledgeStatus) -> type[DomainError]:
    return PledgeNotCollected if operation == "refund" else PledgeNotActive


FORBIDDEN = [
    (operation, status)
    for operation in OPERATIONS
    for status in PledgeStatus
    if (operation, status) not in ALLOWED
]


@pytest.mark.parametrize(("operation", "status"), sorted(ALLOWED))
def test_allowed_transitions(operation: str, status: PledgeStatus) -> None:
    pledge = pledge_in(status)
    OPERATIONS[operation](pledge)
    assert pledge.status is ALLOWED[(operation, status)]
    assert pledge.updated_at == T1


@pytest.mark.parametrize(("operation", "status"), FORBIDDEN)
def test_forbidden_transitions(operation: str, status: PledgeStatus) -> None:
    pledge = pledge_in(status)
    with pytest.raises(_refused(operation, status)):
        OPERATIONS[operation](pledge)
    assert pledge.status is status
    assert (pledge.amount, pledge.refunded_amount, pledge.updated_at) == (5_000, 0, T0)


def test_forbidden_list_is_not_empty_and_covers_terminal_states() -> None:
    assert ("collect", PledgeStatus.COLLECTED) in FORBIDDEN
    assert ("refund", PledgeStatus.PLEDGED) in FORBIDDEN
    for terminal in (PledgeStatus.RELEASED, PledgeStatus.CANCELLED):
        assert all((op, terminal) in FORBIDDEN for op in OPERATIONS)


def test_collect_and_release_keep_the_gateway_reference() -> None:
    collected, released = pledge_in(PledgeStatus.PLEDGED), pledge_in(PledgeStatus.PLEDGED)
    collected.collect("col-9", T1)
    released.release("rel-9", T1)
    assert (collected.payment_reference, released.payment_reference) == ("col-9", "rel-9")


def test_refunds_add_up_and_may_repeat_until_all_is_returned() -> None:
    pledge = pledge_in(PledgeStatus.COLLECTED, amount=5_000)
    pledge.refund(1_000, T1)
    pledge.refund(2_500, T1)
    assert (pledge.status, pledge.refunded_amount, pledge.refundable_amount) == (
        PledgeStatus.REFUNDED,
        3_500,
        1_500,
    )
    pledge.refund(1_500, T1)
    assert pledge.refundable_amount == 0
    with pytest.raises(RefundExceedsCollected):
        pledge.refund(1, T1)
    assert pledge.refunded_amount == 5_000


def test_a_refund_beyond_what_is_left_changes_nothing() -> None:
    pledge = pledge_in(PledgeStatus.REFUNDED, amount=5_000, refunded=4_000)
    with pytest.raises(RefundExceedsCollected) as refused:
        pledge.refund(1_001, T1)
    assert refused.value.field == "amount"
    assert pledge.refunded_amount == 4_000


@pytest.mark.parametrize("amount", [0, -1])
def test_a_refund_must_return_something(amount: int) -> None:
    pledge = pledge_in(PledgeStatus.COLLECTED)
    with pytest.raises(InvalidAmount):
        pledge.refund(amount, T1)
    assert pledge.status is PledgeStatus.COLLECTED


@pytest.mark.parametrize("status", list(PledgeStatus))
def test_refundable_amount_is_nothing_unless_collected(status: PledgeStatus) -> None:
    expected = 5_000 if status in (PledgeStatus.COLLECTED, PledgeStatus.REFUNDED) else 0
    assert pledge_in(status).refundable_amount == expected


def test_pledges_are_equal_by_id() -> None:
    pledge = pledge_in(PledgeStatus.PLEDGED)
    twin = pledge_in(PledgeStatus.CANCELLED)
    twin.id = pledge.id
    assert pledge == twin
    assert pledge != pledge_in(PledgeStatus.PLEDGED)
    assert len({pledge, twin}) == 1
