"""Stripe's rules for what it can charge, applied where money moves and nowhere else."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from services.pledges.domain import TierSpec
from services.pledges.domain.charge_rules import (
    STRIPE_CHARGE_RULES as STRIPE,
)
from services.pledges.domain.charge_rules import (
    AmountNotChargeable,
    BelowMinimumCharge,
    CurrencyNotChargeable,
)
from shared.money import currency_exponent

if TYPE_CHECKING:
    from conftest import World


# --- the rules, per class of currency ---------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount"),
    [
        ("EUR", 50),  # two decimals, exactly the minimum (0.50 EUR)
        ("USD", 12_345),
        ("JPY", 50),  # zero-decimal: 50 yen, the minimum
        ("KRW", 1_000),
        ("KWD", 5_120),  # three decimals, last digit 0
        ("TWD", 80_000),  # whole dollars only
        ("KES", 1),  # Stripe names no minimum in KES: it checks at charge time
    ],
)
def test_amounts_stripe_can_charge_pass(currency: str, amount: int) -> None:
    STRIPE.check_currency(currency)
    STRIPE.check_amount(amount, currency, "amount")


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("EUR", 49, "must be at least €0.50: the smallest amount Stripe can charge in EUR"),
        ("USD", 1, "must be at least $0.50: the smallest amount Stripe can charge in USD"),
        ("GBP", 29, "must be at least £0.30: the smallest amount Stripe can charge in GBP"),
        ("JPY", 49, "must be at least ¥50: the smallest amount Stripe can charge in JPY"),
        ("MXN", 999, "must be at least MX$10.00: the smallest amount Stripe can charge in MXN"),
    ],
)
def test_below_the_minimum_charge_is_refused_with_the_minimum_as_money(
    currency: str, amount: int, message: str
) -> None:
    with pytest.raises(BelowMinimumCharge) as refused:
        STRIPE.check_amount(amount, currency, "tiers[0].min_amount")
    assert (refused.value.field, refused.value.message) == ("tiers[0].min_amount", message)


def test_three_decimal_currencies_end_in_zero() -> None:
    with pytest.raises(AmountNotChargeable) as refused:
        STRIPE.check_amount(5_124, "KWD", "goal_amount")
    assert refused.value.field == "goal_amount"
    assert refused.value.message.startswith("must end in 0")


def test_twd_is_charged_in_whole_dollars_because_stripe_pays_it_out_so() -> None:
    with pytest.raises(AmountNotChargeable) as refused:
        STRIPE.check_amount(80_045, "TWD", "amount")
    assert refused.value.message == (
        "must be a whole number of TWD: Stripe pays TWD out in whole dollars only"
    )


@pytest.mark.parametrize("currency", ["ISK", "UGX", "HUF", "IDR", "COP"])
def test_a_currency_stripe_counts_in_other_units_than_fundtrail_is_refused(currency: str) -> None:
    # Fundtrail counts these in whole units, Stripe's API in hundredths: the adapter sends
    # Fundtrail's integer as it is, so 5 ISK would be charged as 0.05 ISK.
    assert (currency_exponent(currency), STRIPE.exponent(currency)) == (0, 2)
    with pytest.raises(CurrencyNotChargeable) as refused:
        STRIPE.check_currency(currency)
    assert refused.value.field == "currency"
    assert "cannot be charged through Stripe yet" in refused.value.message


def test_zero_decimal_currencies_agree_with_fundtrail() -> None:
    for currency in ("JPY", "KRW", "VND", "CLP", "XOF"):
        assert STRIPE.exponent(currency) == currency_exponent(currency) == 0
        STRIPE.check_currency(currency)


def test_a_currency_stripe_does_not_present_is_refused() -> None:
    with pytest.raises(CurrencyNotChargeable) as refused:
        STRIPE.check_currency("IRR")
    assert refused.value.message.startswith("Stripe cannot take payments in IRR")


# --- where they apply -------------------------------------------------------------------------


def test_where_money_moves_a_campaign_stripe_cannot_charge_is_refused_at_drafting(
    world: World,
) -> None:
    with pytest.raises(CurrencyNotChargeable):
        world.draft(test_mode=False, currency="ISK", goal_amount=100_000, tiers=[], budget=[])
    with pytest.raises(BelowMinimumCharge) as refused:
        world.draft(test_mode=False, tiers=[TierSpec("Thanks", 100), TierSpec("Sticker", 20)])
    assert refused.value.field == "tiers[1].min_amount"
    with pytest.raises(AmountNotChargeable) as refused:
        world.draft(test_mode=False, currency="TWD", goal_amount=100_050, tiers=[], budget=[])
    assert refused.value.field == "goal_amount"


def test_in_test_mode_any_currency_in_use_is_taken(world: World) -> None:
    # The record-only gateway charges nobody: no provider's rule has anything to protect.
    campaign = world.draft(currency="ISK", tiers=[TierSpec("Sticker", 1)], budget=[])
    assert campaign.currency == "ISK"


def test_a_test_mode_draft_meets_the_rules_when_launched_where_money_moves(world: World) -> None:
    campaign = world.draft(tiers=[TierSpec("Sticker", 20)])
    with pytest.raises(BelowMinimumCharge) as refused:
        campaign.launch(world.creator_id, now=world.now, test_mode=False)
    assert refused.value.field == "tiers[0].min_amount"
    assert (campaign.status.value, campaign.test_mode, campaign.events) == ("draft", True, [])
    campaign.launch(world.creator_id, now=world.now, test_mode=True)  # in test mode it may


def test_an_edit_that_breaks_the_rules_changes_nothing(world: World) -> None:
    campaign = world.draft(test_mode=False)
    with pytest.raises(CurrencyNotChargeable):
        campaign.update(world.creator_id, now=world.now, currency="HUF", title="Forints")
    assert (campaign.currency, campaign.title, campaign.events) == (
        "EUR",
        "Solar oven for the village school",
        [],
    )


def test_a_pledge_below_the_minimum_charge_is_refused_where_money_moves(world: World) -> None:
    campaign = world.draft(test_mode=False, tiers=[])
    campaign.launch(world.creator_id, now=world.now, test_mode=False)
    campaign.events.clear()
    with pytest.raises(BelowMinimumCharge) as refused:
        campaign.pledge(uuid.uuid4(), 49, now=world.now)
    assert refused.value.field == "amount"
    assert "€0.50" in refused.value.message
    assert (campaign.pledged_amount, campaign.backers_count, campaign.events) == (0, 0, [])
    pledge = campaign.pledge(uuid.uuid4(), 50, now=world.now)
    with pytest.raises(BelowMinimumCharge):
        campaign.change_pledge(pledge, pledge.backer_id, now=world.now, amount=10)
    assert (pledge.amount, campaign.pledged_amount) == (50, 50)


def test_in_test_mode_a_pledge_of_one_cent_is_taken(world: World) -> None:
    campaign = world.live(tiers=[])
    assert campaign.pledge(uuid.uuid4(), 1, now=world.now).amount == 1


def test_a_partial_refund_in_a_three_decimal_currency_ends_in_zero_where_money_moves(
    world: World,
) -> None:
    campaign = world.draft(test_mode=False, currency="KWD", goal_amount=10_000, tiers=[])
    campaign.launch(world.creator_id, now=world.now, test_mode=False)
    pledge = campaign.pledge(uuid.uuid4(), 10_000, now=world.now)
    campaign.settle([pledge], world.gateway, now=world.after_deadline, actor_id=None)
    campaign.events.clear()
    with pytest.raises(AmountNotChargeable) as refused:
        campaign.refund(
            pledge,
            world.creator_id,
            amount=1_235,
            reason="A broken part",
            gateway=world.gateway,
            now=world.after_deadline,
        )
    assert refused.value.field == "amount"
    assert (pledge.refunded_amount, campaign.events, world.gateway.receipts[-1].kind) == (
        0,
        [],
        "collection",
    )
    campaign.refund(
        pledge,
        world.creator_id,
        amount=1_230,
        reason="A broken part",
        gateway=world.gateway,
        now=world.after_deadline,
    )
    assert pledge.refunded_amount == 1_230
