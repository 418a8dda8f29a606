"""Hostile input to the ledger API: log positions past 64 bits,
surrogates and invisible characters in public text, dates outside the calendar window, and a
draft's books kept private. Never a 500; each refusal writes nothing."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, post_expense

HUGE = str(2**63)
API = "/api/v1/campaigns"


def refused(ledger: Ledger, response_of: object, status: int, field: str | None) -> dict:
    before = ledger.counts()
    response = response_of() if callable(response_of) else response_of
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status and response.json["detail"]
    if field is not None:
        assert field in response.json["errors"], response.json
    assert ledger.counts() == before
    return dict(response.json)


@pytest.fixture
def funded(ledger: Ledger) -> tuple[uuid.UUID, str]:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    return campaign_id, token


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (f"entries?after_seq={HUGE}", "after_seq"),
        (f"export.jsonl?tree_size={HUGE}", "tree_size"),
        (f"proof/inclusion?seq={HUGE}", "seq"),
        (f"proof/inclusion?seq=0&tree_size={HUGE}", "tree_size"),
        (f"proof/consistency?from={HUGE}&to=1", "from"),
        (f"proof/consistency?from=0&to={HUGE}", "to"),
        ("entries?after_seq=" + "9" * 5000, "after_seq"),
    ],
)
def test_a_log_position_past_64_bits_is_422_naming_it(
    ledger: Ledger, funded: tuple[uuid.UUID, str], query: str, field: str
) -> None:
    campaign_id, _ = funded
    refused(ledger, lambda: ledger.client.get(f"{API}/{campaign_id}/{query}"), 422, field)


def test_a_path_position_past_64_bits_is_404(ledger: Ledger, funded: tuple[uuid.UUID, str]) -> None:
    campaign_id, token = funded
    refused(ledger, lambda: ledger.client.get(f"{API}/{campaign_id}/checkpoints/{HUGE}"), 404, None)
    reverse = f"{API}/{campaign_id}/entries/{HUGE}/reverse"
    refused(
        ledger,
        lambda: ledger.client.post(reverse, json={"reason": "typo"}, headers=bearer(token)),
        404,
        None,
    )


@pytest.mark.parametrize(
    "raw", ['{"reason": "wrong \\ud800"}', json.dumps({"reason": "wrong\u202eamount"})]
)
def test_a_reversal_reason_with_a_surrogate_or_bidi_override_is_422(
    ledger: Ledger, funded: tuple[uuid.UUID, str], raw: str
) -> None:
    campaign_id, token = funded
    url = f"{API}/{campaign_id}/entries/0/reverse"
    refused(
        ledger,
        lambda: ledger.client.post(
            url, data=raw, content_type="application/json", headers=bearer(token)
        ),
        422,
        "reason",
    )


@pytest.mark.parametrize("field", ["category", "description", "vendor"])
@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\ufeff", "\u2066"])
def test_invisible_characters_in_an_expense_are_422(
    ledger: Ledger, funded: tuple[uuid.UUID, str], field: str, char: str
) -> None:
    campaign_id, token = funded
    form = {field: f"ink{char}toner"}
    body = refused(ledger, lambda: post_expense(ledger, campaign_id, token, **form), 422, field)
    assert f"U+{ord(char):04X}" in body["errors"][field][0]


@pytest.mark.parametrize("day", ["0001-01-01", "1900-12-31"])
def test_an_expense_date_outside_the_window_is_422(
    ledger: Ledger, funded: tuple[uuid.UUID, str], day: str
) -> None:
    campaign_id, token = funded
    refused(
        ledger,
        lambda: post_expense(ledger, campaign_id, token, incurred_on=day),
        422,
        "incurred_on",
    )


@pytest.mark.parametrize(
    "path",
    ["", "/entries", "/balance", "/checkpoint", "/export.jsonl", "/proof/consistency?from=0&to=0"],
)
def test_a_drafts_books_are_not_public(ledger: Ledger, path: str) -> None:
    campaign_id, _, _ = ledger.open_campaign(status="draft")
    refused(ledger, lambda: ledger.client.get(f"{API}/{campaign_id}{path}"), 404, None)
