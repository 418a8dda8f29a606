"""Anyone can ask how pledges are paid here: through Stripe, or recorded only (test mode)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from services.pledges.adapters.stripe_payments import StripePayments
from tests.factories import make_app
from tests.stripe_support import TEST_SECRET_KEY, TEST_WEBHOOK_SECRET

SETTINGS = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "FUNDTRAIL_PLATFORM_FEE_BPS",
    "FUNDTRAIL_PAYMENT_GRACE",
)


@pytest.fixture(autouse=True)
def no_payment_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own Stripe keys must not change what these tests see."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)


def test_without_a_key_the_service_says_no_money_moves(client: FlaskClient) -> None:
    response = client.get("/api/v1/payments")
    assert response.status_code == 200
    assert response.json == {"provider": "record-only", "moves_money": False, "platform_fee_bps": 0}
    assert client.application.extensions["fundtrail"].payments is None


def test_with_stripe_configured_money_moves_and_it_shows_the_fee_but_no_secret(
    sqlite_url: str, tmp_path: Path, stripe_mock: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # From the environment, as in production (a test's `extra` overrides are shown by repr).
    monkeypatch.setenv("STRIPE_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", stripe_mock)
    monkeypatch.setenv("FUNDTRAIL_PLATFORM_FEE_BPS", "250")
    app = make_app("pledges", sqlite_url, tmp_path)
    try:
        response = app.test_client().get("/api/v1/payments")
        assert response.status_code == 200
        # Settlement charges through Stripe: the answer is the gateway's, as settlement uses it.
        assert response.json == {"provider": "stripe", "moves_money": True, "platform_fee_bps": 250}
        body = response.get_data(as_text=True)
        assert TEST_SECRET_KEY not in body and TEST_WEBHOOK_SECRET not in body

        # The composition root built the adapter on those settings: it reaches the mock.
        payments = app.extensions["fundtrail"].payments
        assert isinstance(payments, StripePayments)
        assert payments.read_payout_account("acct_creator").account_id.startswith("acct_")
        assert TEST_SECRET_KEY not in repr(app.extensions["fundtrail"])
        assert TEST_WEBHOOK_SECRET not in repr(app.extensions["fundtrail"])
    finally:
        app.extensions["fundtrail"].engine.dispose()
