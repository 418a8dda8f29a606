"""Stripe's rules for what it can charge, applied where money moves and nowhere else."""

from __future__ import annotations

import dataclasses
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
from shared.money import currency_exponent, format_amount

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


@pytest.mark.parametrize(
    ("currency", "amount"),
    [("ISK", 5), ("UGX", 1_000), ("HUF", 175), ("IDR", 50_000), ("IDR", 1), ("COP", 1)],
)
def test_a_currency_stripe_counts_in_other_units_than_fundtrail_is_taken(
    currency: str, amount: int
) -> None:
    # Fundtrail counts these in whole units, Stripe's API in hundredths: the adapter converts,
    # and a whole unit of ours is always a whole unit of Stripe's (the steps hold).
    assert (currency_exponent(currency), STRIPE.exponent(currency)) == (0, 2)
    STRIPE.check_currency(currency)
    STRIPE.check_amount(amount, currency, "amount")


@pytest.mark.parametrize(("currency", "minimum"), [("HUF", 175), ("IDR", 1)])
def test_minimums_of_those_currencies_are_in_fundtrails_units(currency: str, minimum: int) -> None:
    # HUF 175.00 is 175 forints to Fundtrail; IDR 0.50 rounds up to the next whole rupiah.
    assert STRIPE.minimum(currency) == minimum
    with pytest.raises(BelowMinimumCharge) as refused:
        STRIPE.check_amount(minimum - 1, currency, "amount")
    assert refused.value.message == (
        f"must be at least {format_amount(minimum, currency)}: "
        f"the smallest amount Stripe can charge in {currency}"
    )


# --- converting at Stripe's boundary ----------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "ours", "stripes"),
    [
        ("EUR", 1_500, 1_500),  # same exponent, two decimals
        ("JPY", 500, 500),  # same exponent, zero-decimal
        ("KWD", 5_120, 5_120),  # same exponent, three decimals
        ("TWD", 80_000, 80_000),  # same exponent; Stripe's whole-dollar rule is a step
        ("IDR", 50_000, 5_000_000),  # CLDR whole rupiah, Stripe hundredths
        ("HUF", 175, 17_500),
        ("ISK", 5, 500),
        ("UGX", 1_000, 100_000),
    ],
)
def test_amounts_convert_both_ways_exactly(currency: str, ours: int, stripes: int) -> None:
    assert STRIPE.to_provider_units(ours, currency) == stripes
    assert STRIPE.from_provider_units(stripes, currency) == ours


@pytest.mark.parametrize(
    ("stripes", "ours"),
    [(12_345, 123), (12_350, 124), (12_349, 123), (49, 0), (50, 1), (-12_350, -124)],
)
def test_a_fraction_of_our_unit_from_stripe_is_rounded_half_up(stripes: int, ours: int) -> None:
    # A processing fee of 123.45 IDR is 123 rupiah to Fundtrail, 123.50 is 124.
    assert STRIPE.from_provider_units(stripes, "IDR") == ours


def test_rounding_never_makes_a_fee_larger_than_its_charge() -> None:
    # Whatever Stripe's fee up to the charge, in hundredths, rounded stays within the charge.
    charge = STRIPE.to_provider_units(3, "IDR")
    for fee in range(charge + 1):
        assert STRIPE.from_provider_units(fee, "IDR") <= 3


def test_where_stripe_counted_coarser_a_fraction_of_its_unit_is_refused() -> None:
    # No currency Stripe takes is so today; the rules stay right if one becomes so.
    coarser = dataclasses.replace(STRIPE, exponents={"EUR": 0})
    assert coarser.to_provider_units(1_500, "EUR") == 15
    with pytest.raises(ValueError):
        coarser.to_provider_units(1_550, "EUR")
    with pytest.raises(AmountNotChargeable) as refused:
        coarser.check_amount(1_550, "EUR", "amount")
    assert refused.value.message == "must be a whole number of Stripe's smallest unit of EUR"


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
        world.draft(test_mode=False, currency="IRR", goal_amount=100_000, tiers=[], budget=[])
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
        campaign.update(world.creator_id, now=world.now, currency="IRR", title="Rials")
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
