"""The pledge state machine: every operation from every pledge state."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from services.pledges.domain import (
    DomainError,
    InvalidAmount,
    PaymentGraceOver,
    PaymentStatus,
    Pledge,
    PledgeNotActive,
    PledgeNotCollected,
    PledgeNotCollecting,
    PledgeStatus,
    RefundExceedsCollected,
)

T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def pledge_in(status: PledgeStatus, amount: int = 5_000, refunded: int = 0) -> Pledge:
    asked = status not in (PledgeStatus.PLEDGED, PledgeStatus.RELEASED, PledgeStatus.CANCELLED)
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
        payment_reference="ref-1" if asked else None,
        collection_attempt=1 if asked else 0,
        # A failed payment's grace period ends at T1: it may be dropped then, not retried.
        grace_ends_at=T1 if status in (PledgeStatus.PAYMENT_FAILED, PledgeStatus.DROPPED) else None,
    )


OPERATIONS: dict[str, Callable[[Pledge], object]] = {
    "change": lambda p: p.change(7_000, None, T1),
    "cancel": lambda p: p.cancel(T1),
    "request": lambda p: p.request_collection("ref-2", p.collection_attempt + 1, T1),
    "collect": lambda p: p.collect("ref-1", T1),
    "fail": lambda p: p.fail_collection("ref-1", "card_declined", T1 + timedelta(days=7), T1),
    "drop": lambda p: p.drop(T1),
    "release": lambda p: p.release("ref-1", T1),
    "refund": lambda p: p.refund(1_000, T1),
}

S = PledgeStatus
ALLOWED = {
    ("change", S.PLEDGED): S.PLEDGED,
    ("cancel", S.PLEDGED): S.CANCELLED,
    ("request", S.PLEDGED): S.COLLECTING,
    ("collect", S.COLLECTING): S.COLLECTED,
    # A payment that arrives after a failure, or even after the pledge dropped, is a fact.
    ("collect", S.PAYMENT_FAILED): S.COLLECTED,
    ("collect", S.DROPPED): S.COLLECTED,
    ("fail", S.COLLECTING): S.PAYMENT_FAILED,
    ("drop", S.PAYMENT_FAILED): S.DROPPED,
    ("release", S.PLEDGED): S.RELEASED,
    ("refund", S.COLLECTED): S.REFUNDED,
    # A partly refunded pledge may be refunded again, up to what was collected.
    ("refund", S.REFUNDED): S.REFUNDED,
}

#: A provider's answer may come twice or late: these change nothing and say so (False).
UNCHANGED = {
    ("collect", S.COLLECTED),
    ("collect", S.REFUNDED),
    ("fail", S.PAYMENT_FAILED),
    ("fail", S.DROPPED),
    ("fail", S.COLLECTED),
    ("fail", S.REFUNDED),
    *(("drop", status) for status in S if status is not S.PAYMENT_FAILED),
}


def _refused(operation: str, status: PledgeStatus) -> type[DomainError]:
    if operation == "refund":
        return PledgeNotCollected
    if operation in ("collect", "fail"):
        return PledgeNotCollecting
    if (operation, status) == ("request", S.PAYMENT_FAILED):
        return PaymentGraceOver
    return PledgeNotActive


FORBIDDEN = [
    (operation, status)
    for operation in OPERATIONS
    for status in PledgeStatus
    if (operation, status) not in ALLOWED and (operation, status) not in UNCHANGED
]


@pytest.mark.parametrize(("operation", "status"), sorted(ALLOWED))
def test_allowed_transitions(operation: str, status: PledgeStatus) -> None:
    pledge = pledge_in(status)
    assert OPERATIONS[operation](pledge) is not False
    assert pledge.status is ALLOWED[(operation, status)]
    assert pledge.updated_at == T1


@pytest.mark.parametrize(("operation", "status"), sorted(UNCHANGED))
def test_repeated_or_late_answers_change_nothing(operation: str, status: PledgeStatus) -> None:
    pledge = pledge_in(status)
    before = dataclasses.asdict(pledge)
    assert OPERATIONS[operation](pledge) is False
    assert dataclasses.asdict(pledge) == before


@pytest.mark.parametrize(("operation", "status"), FORBIDDEN)
def test_forbidden_transitions(operation: str, status: PledgeStatus) -> None:
    pledge = pledge_in(status)
    before = dataclasses.asdict(pledge)
    with pytest.raises(_refused(operation, status)):
        OPERATIONS[operation](pledge)
    assert dataclasses.asdict(pledge) == before


def test_forbidden_list_is_not_empty_and_covers_terminal_states() -> None:
    assert ("request", PledgeStatus.COLLECTED) in FORBIDDEN
    assert ("collect", PledgeStatus.PLEDGED) in FORBIDDEN
    assert ("refund", PledgeStatus.PLEDGED) in FORBIDDEN
    for terminal in (PledgeStatus.RELEASED, PledgeStatus.CANCELLED):
        assert all(
            (op, terminal) in FORBIDDEN for op in OPERATIONS if (op, terminal) not in UNCHANGED
        )


def test_collect_and_release_keep_the_gateway_reference() -> None:
    collected, released = pledge_in(PledgeStatus.PLEDGED), pledge_in(PledgeStatus.PLEDGED)
    collected.request_collection("col-9", 1, T1)
    collected.collect("col-9", T1)
    released.release("rel-9", T1)
    assert (collected.payment_reference, released.payment_reference) == ("col-9", "rel-9")


def test_a_failure_about_an_earlier_attempt_changes_nothing() -> None:
    pledge = pledge_in(PledgeStatus.PLEDGED)
    pledge.request_collection("attempt-1", 1, T0)
    assert pledge.fail_collection("attempt-1", "card_declined", T0 + timedelta(days=7), T0)
    pledge.request_collection("attempt-2", 2, T1)

    assert not pledge.fail_collection("attempt-1", "card_declined", T1 + timedelta(days=7), T1)
    assert (pledge.status, pledge.payment_reference) == (PledgeStatus.COLLECTING, "attempt-2")


def test_the_grace_period_starts_at_the_first_failure_and_retries_do_not_extend_it() -> None:
    pledge = pledge_in(PledgeStatus.PLEDGED)
    pledge.request_collection("attempt-1", 1, T0)
    pledge.fail_collection("attempt-1", "card_declined", T0 + timedelta(days=7), T0)
    assert pledge.payment_retry_until == T0 + timedelta(days=7)
    assert pledge.payment_status is PaymentStatus.PAYMENT_FAILED

    pledge.request_collection("attempt-2", 2, T0 + timedelta(days=6))
    assert pledge.payment_retry_until is None  # shown only while the payment has failed
    pledge.fail_collection("attempt-2", "expired_card", T0 + timedelta(days=13), T1)

    assert (pledge.payment_retry_until, pledge.payment_failure_code, pledge.collection_attempt) == (
        T0 + timedelta(days=7),
        "expired_card",
        2,
    )
    assert not pledge.drop(T0 + timedelta(days=7) - timedelta(seconds=1))
    with pytest.raises(PaymentGraceOver):
        pledge.request_collection("attempt-3", 3, T0 + timedelta(days=7))
    assert pledge.drop(T0 + timedelta(days=7))
    assert pledge.payment_status is PaymentStatus.DROPPED


def test_attempts_follow_one_another() -> None:
    pledge = pledge_in(PledgeStatus.PLEDGED)
    with pytest.raises(ValueError, match="does not follow"):
        pledge.request_collection("attempt-2", 2, T1)
    assert pledge.status is PledgeStatus.PLEDGED


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        (S.PLEDGED, "none"),
        (S.COLLECTING, "collecting"),
        (S.COLLECTED, "paid"),
        (S.PAYMENT_FAILED, "payment_failed"),
        (S.DROPPED, "dropped"),
        (S.RELEASED, "none"),
        (S.CANCELLED, "none"),
        (S.REFUNDED, "refunded"),
    ],
)
def test_every_state_has_a_payment_status(status: PledgeStatus, shown: str) -> None:
    assert pledge_in(status).payment_status == shown


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
