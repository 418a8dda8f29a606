"""The Stripe adapter against Stripe's own mock: every call it makes is one Stripe accepts, with
the parameters and idempotency key we mean, and a lost answer is retried without acting twice.

stripe-mock validates each request against Stripe's OpenAPI and answers fixtures; it stores
nothing. A recording proxy between the client and the mock shows what was really sent, and
answers the odd request itself where Stripe would say something the fixtures cannot (a 500, a
declined card, a fee).
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from services.pledges.adapters.stripe_payments import StripePayments
from services.pledges.domain.payment_provider import (
    OffSessionCharge,
    PaymentProviderError,
)
from tests.stripe_support import (
    TEST_SECRET_KEY,
    Canned,
    Recorded,
    RecordingProxy,
    card_declined,
    raw_request,
    server_error,
)

CAMPAIGN = uuid.uuid4()


@pytest.fixture
def proxy(stripe_mock: str) -> Iterator[RecordingProxy]:
    with RecordingProxy(stripe_mock) as recording:
        yield recording


@pytest.fixture
def payments(proxy: RecordingProxy) -> StripePayments:
    return StripePayments(TEST_SECRET_KEY, api_base=proxy.url, max_network_retries=2)


def an_order(
    pledge_id: uuid.UUID | None = None, attempt: int = 1, fee: int = 75
) -> OffSessionCharge:
    return OffSessionCharge(
        campaign_id=CAMPAIGN,
        pledge_id=pledge_id or uuid.uuid4(),
        attempt=attempt,
        amount=1_500,
        currency="EUR",
        customer_id="cus_backer",
        payment_method_id="pm_card",
        destination_account_id="acct_creator",
        platform_fee=fee,
    )


def only(requests: list[Recorded]) -> Recorded:
    assert len(requests) == 1, requests
    return requests[0]


def one(form: dict[str, list[str]], name: str) -> str:
    assert len(form[name]) == 1, (name, form[name])
    return form[name][0]


# --- every call, as stripe-mock accepts it ----------------------------------------------------


def test_a_backer_becomes_a_customer_once(payments: StripePayments, proxy: RecordingProxy) -> None:
    account = uuid.uuid4()
    customer = payments.create_customer(account, email="ada@example.org", name="Ada")
    assert customer.startswith("cus_")
    sent = only(proxy.sent("POST", "/v1/customers"))
    assert sent.headers["Idempotency-Key"] == f"fundtrail:customer:{account}"
    assert one(sent.form, "metadata[fundtrail_account_id]") == str(account)
    assert one(sent.form, "email") == "ada@example.org"


def test_a_card_is_saved_through_checkout_in_setup_mode(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    pledge = uuid.uuid4()
    setup = payments.create_card_setup(
        customer_id="cus_backer",
        campaign_id=CAMPAIGN,
        pledge_id=pledge,
        attempt=2,
        currency="EUR",
        success_url="http://127.0.0.1:8000/campaigns/x?card=saved",
        cancel_url="http://127.0.0.1:8000/campaigns/x",
    )
    assert setup.session_id.startswith("cs_")
    assert setup.url.startswith("https://")
    sent = only(proxy.sent("POST", "/v1/checkout/sessions"))
    assert sent.headers["Idempotency-Key"] == f"fundtrail:checkout:{pledge}:2"
    form = sent.form
    assert one(form, "mode") == "setup"
    assert one(form, "customer") == "cus_backer"
    assert one(form, "currency") == "eur"
    assert one(form, "payment_method_types[0]") == "card"
    assert one(form, "success_url").endswith("?card=saved")
    assert one(form, "metadata[campaign_id]") == str(CAMPAIGN)
    assert one(form, "metadata[pledge_id]") == str(pledge)
    assert one(form, "setup_intent_data[metadata][pledge_id]") == str(pledge)


def test_a_charge_is_off_session_to_the_creator_less_the_fee(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    order = an_order()
    result = payments.charge(order)
    # stripe-mock's fixture PaymentIntent waits for a payment method: a failure, not an error.
    assert result.outcome == "failed"
    assert result.payment_intent_id is not None and result.payment_intent_id.startswith("pi_")
    assert (result.amount, result.currency) == (1_500, "EUR")
    sent = only(proxy.sent("POST", "/v1/payment_intents"))
    assert sent.headers["Idempotency-Key"] == f"fundtrail:charge:{order.pledge_id}:1"
    form = sent.form
    assert {k: one(form, k) for k in form} == {
        "amount": "1500",
        "currency": "eur",
        "customer": "cus_backer",
        "payment_method": "pm_card",
        "off_session": "true",
        "confirm": "true",
        "transfer_data[destination]": "acct_creator",
        "application_fee_amount": "75",
        "metadata[campaign_id]": str(CAMPAIGN),
        "metadata[pledge_id]": str(order.pledge_id),
    }


def test_a_currency_stripe_counts_in_other_units_is_converted_both_ways(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    # Fundtrail counts ISK in whole krónur, Stripe in hundredths: 1 500 ISK goes as 150000,
    # and Stripe's answer (which stripe-mock echoes) comes back as 1 500.
    result = payments.charge(dataclasses.replace(an_order(), currency="ISK"))
    form = only(proxy.sent("POST", "/v1/payment_intents")).form
    assert (one(form, "amount"), one(form, "application_fee_amount")) == ("150000", "7500")
    assert (result.amount, result.currency) == (1_500, "ISK")


def test_without_a_platform_fee_none_is_asked(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    payments.charge(an_order(fee=0))
    assert "application_fee_amount" not in only(proxy.sent("POST", "/v1/payment_intents")).form


def test_what_stripe_mock_accepts_it_checks_a_misspelt_parameter_is_refused(
    stripe_mock: str, payments: StripePayments, proxy: RecordingProxy
) -> None:
    """The control for every test above: the mock really validates, so its 200 means something."""
    payments.charge(an_order())
    sent = only(proxy.sent("POST", "/v1/payment_intents"))
    headers = {**sent.headers, "Idempotency-Key": str(uuid.uuid4())}
    status, _, _ = raw_request("POST", stripe_mock + sent.path, headers, sent.body)
    assert status == 200
    misspelt = sent.body.replace(b"off_session=", b"of_session=")
    status, _, body = raw_request("POST", stripe_mock + sent.path, headers, misspelt)
    assert status == 400, body
    assert b"invalid_request_error" in body


def test_refunds_whole_or_partial_reverse_the_transfer_and_the_fee(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    pledge, partial, whole = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    first = payments.refund(
        refund_id=partial,
        payment_intent_id="pi_paid",
        amount=500,
        currency="EUR",
        campaign_id=CAMPAIGN,
        pledge_id=pledge,
    )
    payments.refund(
        refund_id=whole,
        payment_intent_id="pi_paid",
        amount=None,
        currency="EUR",
        campaign_id=CAMPAIGN,
        pledge_id=pledge,
    )
    assert first.refund_id.startswith("re_")
    assert first.status == "succeeded"
    sent = proxy.sent("POST", "/v1/refunds")
    assert [r.headers["Idempotency-Key"] for r in sent] == [
        f"fundtrail:refund:{partial}",
        f"fundtrail:refund:{whole}",
    ]
    for request in sent:
        assert one(request.form, "payment_intent") == "pi_paid"
        assert one(request.form, "reverse_transfer") == "true"
        assert one(request.form, "refund_application_fee") == "true"
        assert one(request.form, "metadata[pledge_id]") == str(pledge)
    assert one(sent[0].form, "amount") == "500"
    assert "amount" not in sent[1].form  # all of it: Stripe works out what is left


def test_a_saved_card_is_detached(payments: StripePayments, proxy: RecordingProxy) -> None:
    payments.detach_payment_method("pm_card")
    sent = only(proxy.sent("POST", "/v1/payment_methods/pm_card/detach"))
    assert sent.headers["Idempotency-Key"] == "fundtrail:detach:pm_card"


def test_a_payment_is_read_back_with_its_charge_and_fee(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    facts = payments.read_payment("pi_paid")
    assert facts.payment_intent_id == "pi_paid"
    assert facts.charge_id is not None and facts.charge_id.startswith("ch_")
    assert isinstance(facts.processing_fee, int) and isinstance(facts.net, int)
    sent = only(proxy.sent("GET", "/v1/payment_intents/pi_paid"))
    assert "expand[0]=latest_charge.balance_transaction" in sent.path.replace("%5B", "[").replace(
        "%5D", "]"
    )
    charge = payments.read_charge("ch_paid")
    assert charge.charge_id == "ch_paid"
    assert charge.processing_fee == 0 and charge.net == charge.amount  # the fixture's


def test_the_processing_fee_comes_from_the_balance_transaction(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    proxy.answer_next(
        "GET",
        Canned(
            200,
            {
                "id": "pi_paid",
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 1_500,
                "currency": "eur",
                "application_fee_amount": 75,
                "metadata": {"campaign_id": str(CAMPAIGN), "pledge_id": "p"},
                "latest_charge": {
                    "id": "ch_paid",
                    "object": "charge",
                    "amount_refunded": 500,
                    "disputed": True,
                    "balance_transaction": {
                        "id": "txn_1",
                        "object": "balance_transaction",
                        "fee": 47,
                        "net": 1_453,
                    },
                },
            },
        ),
    )
    facts = payments.read_payment("pi_paid")
    assert (facts.status, facts.amount, facts.currency) == ("succeeded", 1_500, "EUR")
    assert (facts.processing_fee, facts.net, facts.application_fee_amount) == (47, 1_453, 75)
    assert (facts.amount_refunded, facts.disputed) == (500, True)
    assert facts.metadata == {"campaign_id": str(CAMPAIGN), "pledge_id": "p"}


def test_a_creator_onboards_through_connect_express(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    creator, request = uuid.uuid4(), uuid.uuid4()
    account = payments.create_payout_account(creator, email="grace@example.org")
    assert account.startswith("acct_")
    link = payments.onboarding_link(
        account,
        request_id=request,
        refresh_url="http://127.0.0.1:8000/console/payouts",
        return_url="http://127.0.0.1:8000/console/payouts?back=1",
    )
    assert link.url.startswith("https://")
    state = payments.read_payout_account(account)
    assert state.account_id.startswith("acct_")
    assert isinstance(state.charges_enabled, bool)

    created = only(proxy.sent("POST", "/v1/accounts"))
    assert created.headers["Idempotency-Key"] == f"fundtrail:payout-account:{creator}"
    assert one(created.form, "type") == "express"
    assert one(created.form, "capabilities[transfers][requested]") == "true"
    assert one(created.form, "metadata[fundtrail_account_id]") == str(creator)
    linked = only(proxy.sent("POST", "/v1/account_links"))
    assert linked.headers["Idempotency-Key"] == f"fundtrail:onboarding-link:{request}"
    assert one(linked.form, "type") == "account_onboarding"
    assert one(linked.form, "account") == account
    assert only(proxy.sent("GET", f"/v1/accounts/{account}"))


# --- faults ---------------------------------------------------------------------------------


def test_a_500_is_retried_with_the_same_key_so_one_charge_is_made(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    proxy.answer_next("POST", server_error())
    order = an_order()
    result = payments.charge(order)
    assert result.payment_intent_id is not None  # the second attempt reached Stripe
    attempts = proxy.sent("POST", "/v1/payment_intents")
    assert len(attempts) == 2
    assert {a.headers["Idempotency-Key"] for a in attempts} == {
        f"fundtrail:charge:{order.pledge_id}:1"
    }
    assert attempts[0].body == attempts[1].body


def test_the_same_logical_charge_asked_again_sends_the_same_key_a_new_attempt_a_new_one(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    pledge = uuid.uuid4()
    payments.charge(an_order(pledge))  # e.g. settlement crashed after the call, and reran
    payments.charge(an_order(pledge))
    payments.charge(an_order(pledge, attempt=2))  # the backer fixed the card
    keys = [r.headers["Idempotency-Key"] for r in proxy.sent("POST", "/v1/payment_intents")]
    assert keys == [
        f"fundtrail:charge:{pledge}:1",
        f"fundtrail:charge:{pledge}:1",
        f"fundtrail:charge:{pledge}:2",
    ]


def test_stripe_down_after_every_retry_is_a_retryable_error(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    proxy.answer_next("POST", server_error(), server_error(), server_error())
    with pytest.raises(PaymentProviderError) as failed:
        payments.create_customer(uuid.uuid4())
    assert (failed.value.retryable, failed.value.installation) == (True, False)
    assert "HTTP 500" in str(failed.value) and "req_test_500" in str(failed.value)
    assert len(proxy.sent("POST")) == 3  # the first try and max_network_retries=2
    assert len({r.headers["Idempotency-Key"] for r in proxy.sent("POST")}) == 1


def test_a_refused_key_is_an_error_that_will_not_retry_and_never_shows_the_key(
    payments: StripePayments, proxy: RecordingProxy
) -> None:
    proxy.answer_next(
        "POST",
        Canned(
            401,
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"Invalid API Key provided: {TEST_SECRET_KEY}",
                }
            },
        ),
    )
    with pytest.raises(PaymentProviderError) as failed:
        payments.detach_payment_method("pm_card")
    assert failed.value.retryable is False
    assert failed.value.installation is True  # no pledge is failed on the strength of it
    assert TEST_SECRET_KEY not in str(failed.value)
    assert "HTTP 401" in str(failed.value)
    assert len(proxy.sent("POST")) == 1
    assert TEST_SECRET_KEY not in repr(payments)


@pytest.mark.parametrize(
    ("decline_code", "outcome"),
    [
        ("insufficient_funds", "failed"),
        ("card_declined", "failed"),
        ("authentication_required", "requires_action"),
    ],
)
def test_a_declined_card_is_a_result_not_an_exception(
    payments: StripePayments, proxy: RecordingProxy, decline_code: str, outcome: str
) -> None:
    intent = {"id": "pi_declined", "object": "payment_intent", "status": "requires_payment_method"}
    proxy.answer_next("POST", card_declined(decline_code, payment_intent=intent))
    result = payments.charge(an_order())
    assert result.outcome == outcome
    assert result.decline_code == decline_code
    assert result.payment_intent_id == "pi_declined"
    assert result.message == "Your card was declined."
    assert (result.amount, result.currency) == (1_500, "EUR")
    assert len(proxy.sent("POST")) == 1  # a 402 is an answer: never retried


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("succeeded", "succeeded"),
        ("processing", "processing"),
        ("requires_action", "requires_action"),
        ("canceled", "failed"),
    ],
)
def test_each_payment_intent_status_maps_to_an_outcome(
    payments: StripePayments, proxy: RecordingProxy, status: str, outcome: str
) -> None:
    proxy.answer_next(
        "POST",
        Canned(
            200,
            {
                "id": "pi_1",
                "object": "payment_intent",
                "status": status,
                "amount": 1_500,
                "currency": "eur",
                "last_payment_error": None,
            },
        ),
    )
    result = payments.charge(an_order())
    assert (result.outcome, result.payment_intent_id) == (outcome, "pi_1")
    assert result.decline_code is None
