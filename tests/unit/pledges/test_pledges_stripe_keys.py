"""Idempotency keys for Stripe: the same logical call gives the same key, and only that call."""

from __future__ import annotations

import uuid

import pytest

from services.pledges.adapters.stripe_payments import (
    MAX_KEY_LENGTH,
    StripePayments,
    idempotency_key,
)
from services.pledges.domain.payment_provider import OffSessionCharge


def test_a_key_names_the_kind_of_call_and_our_ids() -> None:
    pledge = uuid.UUID("0b5c6b8e-7f0a-4e43-9d59-2f7c3f0d6a11")
    assert idempotency_key("charge", pledge, 2) == f"fundtrail:charge:{pledge}:2"
    assert idempotency_key("charge", pledge, 2) == idempotency_key("charge", str(pledge), "2")
    assert idempotency_key("refund", pledge) != idempotency_key("charge", pledge)


def test_a_key_longer_than_stripe_takes_is_refused() -> None:
    assert len(idempotency_key("detach", "p" * (MAX_KEY_LENGTH - 20))) <= MAX_KEY_LENGTH
    with pytest.raises(ValueError, match="at most 255"):
        idempotency_key("detach", "p" * MAX_KEY_LENGTH)


def test_attempts_count_from_one_before_anything_is_sent() -> None:
    # An address nothing listens on: the refusal must come before any request.
    payments = StripePayments("sk_test_123", api_base="http://127.0.0.1:9", max_network_retries=0)
    order = OffSessionCharge(
        campaign_id=uuid.uuid4(),
        pledge_id=uuid.uuid4(),
        attempt=0,
        amount=100,
        currency="EUR",
        customer_id="cus_1",
        payment_method_id="pm_1",
        destination_account_id="acct_1",
    )
    with pytest.raises(ValueError, match="from 1"):
        payments.charge(order)
