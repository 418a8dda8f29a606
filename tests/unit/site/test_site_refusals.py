"""The services' refusals in words for people: a known refusal gets the site's sentence, plain
words pass, and programmers' words (a method and a path, a field's name, an id) never do."""

from __future__ import annotations

import pytest

from services.site import refusals
from services.site.clients import ApiError


def test_the_launch_refusal_naming_an_api_path_reads_as_a_sentence_for_people() -> None:
    refused = ApiError(
        403,
        {
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
            "detail": "verify your e-mail address before launching a campaign: follow the link "
            "we mailed you, or ask for a new one (POST /me/email-verification)",
        },
    )

    assert refused.detail.startswith("Confirm your e-mail address before launching a campaign")
    assert "POST /" not in refused.detail and "/me/" not in refused.detail


@pytest.mark.parametrize(
    "detail",
    [
        "ask for a new one (POST /me/email-verification)",
        "see GET /api/v1/campaigns/1",
        "Invalid json: goal_amount: Not a valid integer.",
        "goal_amount must be above zero",
        "No campaign 0afcf2f9-1e08-4d6a-8408-2f89eba192d9.",
        "tiers[1] is wrong",
        "must be flexible, all_or_nothing",
    ],
)
def test_programmers_words_are_never_shown(detail: str) -> None:
    shown = ApiError(422, {"detail": detail}).detail

    assert "_" not in shown and "/" not in shown and "[" not in shown
    assert "0afcf2f9" not in shown


@pytest.mark.parametrize(
    "detail",
    [
        "the campaign is cancelled, not live",
        "Too many comments; try again in 42 seconds.",
        "every place in the tier 'Gold' is taken",
        "already exists for ada_l@example.org",
    ],
)
def test_plain_words_pass_as_they_are(detail: str) -> None:
    assert ApiError(409, {"detail": detail}).detail == detail


def test_an_http_status_title_is_no_reason_and_the_caller_says_what_did_not_happen() -> None:
    refused = ApiError(409, {"title": "Conflict", "status": 409})

    assert refused.detail == ""
    assert refusals.for_status(409) == "That cannot be done as things stand now."


def test_field_errors_are_flattened_and_put_in_words_for_people() -> None:
    refused = ApiError(
        422,
        {
            "errors": {
                "amount": ["Not a valid integer."],
                "tiers": {"0": {"name": ["Missing data for required field."]}},
                "deadline": ["deadline_at must be in the future"],
                "title": ["must be at most 200 characters"],
            }
        },
    )

    assert refused.errors == {
        "amount": ["Enter a whole number."],
        "tiers": ["This is required."],
        "deadline": ["This could not be accepted. Please check it."],
        "title": ["must be at most 200 characters"],
    }


def test_a_tier_minimum_in_minor_units_is_said_without_the_number() -> None:
    refused = ApiError(422, {"errors": {"amount": ["the tier 'Bread' needs at least 1500"]}})

    assert refused.errors == {
        "amount": [
            "That is less than the tier 'Bread' asks for: choose a larger amount or another tier."
        ]
    }


def test_a_reused_receipt_is_refused_without_naming_the_apis_field() -> None:
    detail = (
        "this receipt already backs expense 4, which is in force; reverse that expense first, "
        "or give receipt_reuse_reason to say why the same receipt backs this one"
    )

    shown = ApiError(409, {"errors": {"receipt": [detail]}}).errors["receipt"]

    assert shown == [
        "This receipt already backs expense 4, which is in force: reverse that expense first, "
        "or choose the receipt of this one."
    ]
