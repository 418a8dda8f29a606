"""Bad input the domain refuses, each with its own exception and the field to blame."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.pledges.domain import (
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    MAX_AMOUNT,
    MAX_BUDGET_LINES,
    MAX_TIER_LIMIT,
    MAX_TIERS,
    TIER_NAME_MAX,
    TITLE_MAX,
    BudgetLine,
    Campaign,
    DeadlineInPast,
    DomainError,
    FundingModel,
    InvalidAmount,
    InvalidBudget,
    InvalidCurrency,
    InvalidDeadline,
    InvalidFundingModel,
    InvalidText,
    InvalidTier,
    InvalidValue,
    TierSpec,
)

if TYPE_CHECKING:
    from conftest import World


def refused(world: World, error: type[DomainError], field: str, **terms: Any) -> None:
    with pytest.raises(error) as caught:
        Campaign.create(**world.terms(**terms))
    assert caught.value.field == field
    assert isinstance(caught.value, InvalidValue)


def test_the_documented_limits() -> None:
    # The issue fixes these; a change here is a change to the product.
    assert (TITLE_MAX, DESCRIPTION_MAX, TIER_NAME_MAX, CATEGORY_MAX) == (200, 20_000, 100, 64)
    assert MAX_AMOUNT == 10**12


# --- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [0, -1, -(10**12), MAX_AMOUNT + 1, 10**30])
def test_goal_out_of_range(world: World, amount: int) -> None:
    refused(world, InvalidAmount, "goal_amount", goal_amount=amount)


@pytest.mark.parametrize("amount", [True, False, 100.0, "100", None, b"1", [100]])
def test_goal_that_is_not_an_int(world: World, amount: object) -> None:
    # bool is an int in Python; True must not pass for one cent.
    refused(world, InvalidAmount, "goal_amount", goal_amount=amount)


@pytest.mark.parametrize("amount", [1, MAX_AMOUNT])
def test_goal_at_the_bounds(world: World, amount: int) -> None:
    assert world.draft(goal_amount=amount).goal_amount == amount


@settings(database=None, max_examples=200)
@given(amount=st.integers(min_value=-(2**70), max_value=2**70))
def test_any_whole_amount_is_accepted_exactly_when_in_range(
    new_world: Callable[[], World], amount: int
) -> None:
    world = new_world()
    if 1 <= amount <= MAX_AMOUNT:
        assert world.draft(goal_amount=amount).goal_amount == amount
    else:
        refused(world, InvalidAmount, "goal_amount", goal_amount=amount)


# --- currency ----------------------------------------------------------------------------------


@pytest.mark.parametrize("currency", ["eur", "ZZZ", "", "EURO", None, 978, "XXX", "DEM"])
def test_currency_must_be_iso_4217_in_use(world: World, currency: object) -> None:
    refused(world, InvalidCurrency, "currency", currency=currency)


@pytest.mark.parametrize("currency", ["JPY", "KWD", "USD"])
def test_other_currencies(world: World, currency: str) -> None:
    assert world.draft(currency=currency).currency == currency


# --- deadline ----------------------------------------------------------------------------------


def test_deadline_in_the_past_or_now(world: World) -> None:
    refused(world, DeadlineInPast, "deadline", deadline=world.now)
    refused(world, DeadlineInPast, "deadline", deadline=world.now - timedelta(days=1))


def test_deadline_a_moment_ahead_is_fine(world: World) -> None:
    ahead = world.now + timedelta(microseconds=1)
    assert world.draft(deadline=ahead).deadline == ahead


@pytest.mark.parametrize(
    "deadline", [datetime(2027, 1, 1, 12, 0), date(2027, 1, 1), "2027-01-01T00:00:00Z", None]
)
def test_deadline_without_offset_or_not_a_datetime(world: World, deadline: object) -> None:
    refused(world, InvalidDeadline, "deadline", deadline=deadline)


def test_editing_a_deadline_into_the_past(world: World) -> None:
    campaign = world.draft()
    with pytest.raises(DeadlineInPast):
        campaign.update(world.creator_id, now=world.now, deadline=world.now - timedelta(hours=1))
    assert campaign.deadline == world.deadline


def test_now_without_offset_is_a_programming_error(world: World) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        Campaign.create(**world.terms(now=datetime(2026, 11, 2, 12, 0)))


# --- funding model -----------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["both", "", "ALL_OR_NOTHING", None, 1, ["flexible"]])
def test_unknown_funding_model(world: World, model: object) -> None:
    refused(world, InvalidFundingModel, "funding_model", funding_model=model)


@pytest.mark.parametrize("model", ["flexible", FundingModel.FLEXIBLE])
def test_funding_model_by_name_or_enum(world: World, model: object) -> None:
    assert world.draft(funding_model=model).funding_model is FundingModel.FLEXIBLE


# --- text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ["", "   ", None, 42, "x" * (TITLE_MAX + 1), "two\nlines", "nul\x00byte", "bell\x07"]
)
def test_bad_titles(world: World, title: object) -> None:
    refused(world, InvalidText, "title", title=title)


def test_longest_title_and_description(world: World) -> None:
    campaign = world.draft(title="é" * TITLE_MAX, description="d\n" * (DESCRIPTION_MAX // 2))
    assert len(campaign.title) == TITLE_MAX
    assert campaign.description.count("\n") == DESCRIPTION_MAX // 2 - 1  # trailing one stripped


@pytest.mark.parametrize("description", ["x" * (DESCRIPTION_MAX + 1), "nul\x00", None])
def test_bad_descriptions(world: World, description: object) -> None:
    refused(world, InvalidText, "description", description=description)


def test_an_empty_description_is_fine(world: World) -> None:
    assert world.draft(description="").description == ""


# --- tiers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "error", "field"),
    [
        ([TierSpec("", 100)], InvalidText, "tiers[0].name"),
        ([TierSpec("n" * (TIER_NAME_MAX + 1), 100)], InvalidText, "tiers[0].name"),
        ([TierSpec("A", 100), TierSpec("a ", 200)], InvalidTier, "tiers[1].name"),
        ([TierSpec("A", 0)], InvalidAmount, "tiers[0].min_amount"),
        ([TierSpec("A", True)], InvalidAmount, "tiers[0].min_amount"),
        ([TierSpec("A", 100, limit=0)], InvalidTier, "tiers[0].limit"),
        ([TierSpec("A", 100, limit=-3)], InvalidTier, "tiers[0].limit"),
        ([TierSpec("A", 100, limit=True)], InvalidTier, "tiers[0].limit"),
        ([TierSpec("A", 100, limit=MAX_TIER_LIMIT + 1)], InvalidTier, "tiers[0].limit"),
        ([("A", 100)], InvalidTier, "tiers[0]"),
        ([TierSpec(f"T{i}", 100) for i in range(MAX_TIERS + 1)], InvalidTier, "tiers"),
    ],
)
def test_bad_tiers(world: World, tiers: list[Any], error: type[DomainError], field: str) -> None:
    refused(world, error, field, tiers=tiers)


def test_tier_name_at_its_limit_and_many_tiers(world: World) -> None:
    tiers = [TierSpec(f"{i:03}" + "n" * (TIER_NAME_MAX - 3), 100) for i in range(MAX_TIERS)]
    campaign = world.draft(tiers=tiers)
    assert len(campaign.tiers) == MAX_TIERS
    assert {len(t.name) for t in campaign.tiers} == {TIER_NAME_MAX}


def test_tier_ids_from_elsewhere_are_refused(world: World) -> None:
    import uuid

    campaign = world.draft()
    with pytest.raises(InvalidTier) as caught:
        campaign.update(
            world.creator_id, now=world.now, tiers=[TierSpec("A", 100, id=uuid.uuid4())]
        )
    assert caught.value.field == "tiers[0].id"
    keep = campaign.tiers[0].id
    with pytest.raises(InvalidTier) as caught:
        campaign.update(
            world.creator_id,
            now=world.now,
            tiers=[TierSpec("A", 100, id=keep), TierSpec("B", 100, id=keep)],
        )
    assert caught.value.field == "tiers[1].id"


# --- budget ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "error", "field"),
    [
        ([BudgetLine("", 100)], InvalidText, "budget[0].category"),
        ([BudgetLine("c" * (CATEGORY_MAX + 1), 100)], InvalidText, "budget[0].category"),
        ([BudgetLine("Parts", 100), BudgetLine("parts", 5)], InvalidBudget, "budget[1].category"),
        ([BudgetLine("parts", 0)], InvalidAmount, "budget[0].amount"),
        ([BudgetLine("parts", MAX_AMOUNT + 1)], InvalidAmount, "budget[0].amount"),
        ([{"category": "parts", "amount": 5}], InvalidBudget, "budget[0]"),
        ([BudgetLine(f"c{i}", 1) for i in range(MAX_BUDGET_LINES + 1)], InvalidBudget, "budget"),
    ],
)
def test_bad_budgets(world: World, budget: list[Any], error: type[DomainError], field: str) -> None:
    refused(world, error, field, budget=budget)


def test_category_at_its_limit_and_no_budget_at_all(world: World) -> None:
    longest = "c" * CATEGORY_MAX
    assert world.draft(budget=[BudgetLine(longest, 1)]).budget == (BudgetLine(longest, 1),)
    assert world.draft(budget=[]).budget == ()


# --- the errors themselves ---------------------------------------------------------------------


def test_errors_carry_a_message_and_a_field(world: World) -> None:
    with pytest.raises(DomainError) as caught:
        Campaign.create(**world.terms(goal_amount=-5))
    assert caught.value.field == "goal_amount"
    assert str(caught.value) == caught.value.message
    assert "1" in caught.value.message and str(MAX_AMOUNT) in caught.value.message
