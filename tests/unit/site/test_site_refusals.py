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

    # The form has the reason's field now: the sentence names it by its label.
    assert shown == [
        "This receipt already backs expense 4, which is in force: reverse that expense first, "
        "or say why under “Reason for reuse”."
    ]


def test_an_overspend_is_worded_from_its_figures_with_amounts_as_the_site_writes_them() -> None:
    detail = "€42.50 needed but only €37.50 available"
    problem = {
        "detail": detail,
        "errors": {"amount": [detail]},
        "needed": 4_250,
        "available": 3_750,
        "currency": "EUR",
    }

    refused = ApiError(409, problem)

    assert refused.detail == "€42.50 needed but only €37.50 available."
    assert refused.errors == {"amount": ["€42.50 needed but only €37.50 available."]}


def test_a_tier_minimum_is_worded_from_its_figures() -> None:
    detail = "the tier 'Zine' needs at least €120.00"
    problem = {
        "detail": detail,
        "errors": {"amount": [detail]},
        "tier": "Zine",
        "min_amount": 12_000,
        "currency": "EUR",
    }

    assert ApiError(422, problem).errors == {
        "amount": [
            "The tier “Zine” needs at least €120.00: choose a larger amount or another tier."
        ]
    }


def test_figures_in_rupiah_are_written_as_indonesians_write_them() -> None:
    import flask

    from services.site.i18n import install

    app = flask.Flask(__name__)
    install(app)
    problem = {"detail": "x", "needed": 1_500_000, "available": 500_000, "currency": "IDR"}
    with app.test_request_context("/?lang=id"):
        shown = ApiError(409, problem).detail
    assert "Rp 1.500.000" in shown and "Rp 500.000" in shown
    assert "1500000" not in shown


def test_a_second_pledge_is_worded_with_the_pledge_that_stands() -> None:
    problem = {
        "detail": "you already pledged €45.00 to this campaign (pledge 0afcf2f9-…)",
        "pledge_id": "0afcf2f9-1e08-4d6a-8408-2f89eba192d9",
        "amount": 4_500,
        "currency": "EUR",
        "tier_id": None,
    }

    assert ApiError(409, problem).detail == (
        "You have already pledged €45.00 to this campaign, so nothing was changed: change or "
        "cancel that pledge instead."
    )
