"""What the ledger decides and says, so that no client recomputes its rules: the expenses with
whether each counts and may be reversed, whether expenses may be logged, the receipt limits.

Each answer is checked against what the ledger then does: an entry said to be reversible is
reversed, one said not to be is refused; "no expenses now" is refused too.
"""

from __future__ import annotations

import uuid
from typing import Any

from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, pdf_bytes, pledge_event, post_expense

API = "/api/v1"


def reverse(ledger: Ledger, campaign_id: uuid.UUID, token: str, seq: int) -> Any:
    return ledger.client.post(
        f"{API}/campaigns/{campaign_id}/entries/{seq}/reverse",
        json={"reason": "entered by mistake"},
        headers=bearer(token),
    )


def expenses(ledger: Ledger, campaign_id: uuid.UUID, query: str = "") -> Any:
    return ledger.client.get(f"{API}/campaigns/{campaign_id}/expenses{query}")


def standing(listed: dict[str, Any]) -> dict[int, tuple[str, bool, bool, int | None]]:
    return {
        entry["seq"]: (entry["kind"], entry["in_force"], entry["reversible"], entry["reversed_by"])
        for entry in listed["expenses"]
    }


def test_expenses_come_with_whether_each_counts_and_may_be_reversed(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    pledge = uuid.uuid4()
    ledger.collect(campaign_id, 10_000, pledge_id=pledge)  # 0
    first = post_expense(ledger, campaign_id, token, amount="2000").json["seq"]  # 1
    second = post_expense(ledger, campaign_id, token, amount="3000").json["seq"]  # 2
    undone = reverse(ledger, campaign_id, token, first).json["seq"]  # 3
    redone = reverse(ledger, campaign_id, token, undone).json["seq"]  # 4: re-instates 1
    refund = pledge_event(
        "pledge.refunded", campaign_id, 1_000, pledge_id=pledge,
        collected_amount=10_000, refunded_total=1_000, reason="asked",
    )  # fmt: skip
    assert ledger.deliver(refund).status == "handled"  # 5: pledge money, not listed

    listed = expenses(ledger, campaign_id)

    assert listed.status_code == 200, listed.json
    assert standing(listed.json) == {
        first: ("expense", True, False, undone),
        second: ("expense", True, True, None),
        undone: ("reversal", False, False, redone),
        redone: ("reversal", True, True, None),
    }
    assert listed.json["next_after_seq"] is None
    shown = listed.json["expenses"][0]
    entry = ledger.client.get(f"{API}/campaigns/{campaign_id}/entries?limit=2").json["entries"][1]
    assert {key: shown[key] for key in entry} == entry  # the entry itself, as the log holds it
    # What the list says is what the ledger does.
    assert reverse(ledger, campaign_id, token, first).status_code == 409
    assert reverse(ledger, campaign_id, token, undone).status_code == 409
    assert reverse(ledger, campaign_id, token, redone).status_code == 201


def test_a_reversal_needing_money_that_is_gone_is_not_reversible(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    spent = post_expense(ledger, campaign_id, token, amount="4000").json["seq"]
    undone = reverse(ledger, campaign_id, token, spent).json["seq"]
    assert post_expense(ledger, campaign_id, token, amount="5000").status_code == 201

    listed = standing(expenses(ledger, campaign_id).json)

    # Reversing the reversal would spend the 40.00 again, and nothing is left.
    assert listed[undone] == ("reversal", True, False, None)
    refused = reverse(ledger, campaign_id, token, undone)
    assert refused.status_code == 409 and "available" in refused.json["detail"]


def test_expenses_come_a_page_at_a_time(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 10_000)
    seqs = [
        post_expense(ledger, campaign_id, token, amount="100", receipt=pdf_bytes(f"n{i}")).json[
            "seq"
        ]
        for i in range(3)
    ]
    ledger.collect(campaign_id, 1_000)

    page = expenses(ledger, campaign_id, "?limit=2").json
    rest = expenses(ledger, campaign_id, f"?limit=2&after_seq={page['next_after_seq']}").json

    assert [e["seq"] for e in page["expenses"]] == seqs[:2]
    assert [e["seq"] for e in rest["expenses"]] == seqs[2:]
    assert rest["next_after_seq"] is None or expenses(
        ledger, campaign_id, f"?limit=2&after_seq={rest['next_after_seq']}"
    ).json == {"expenses": [], "next_after_seq": None}


def test_expenses_of_no_campaign_or_with_bad_paging_are_refused(ledger: Ledger) -> None:
    draft_id, _, _ = ledger.open_campaign(status="draft")
    campaign_id, _, _ = ledger.open_campaign()
    before = ledger.counts()
    for unknown in (uuid.uuid4(), draft_id):
        missing = expenses(ledger, unknown)
        assert missing.status_code == 404
        assert missing.content_type == "application/problem+json"
    for query in ("?limit=0", "?limit=1001", "?after_seq=x", "?after_seq=-2"):
        bad = expenses(ledger, campaign_id, query)
        assert bad.status_code == 422 and bad.content_type == "application/problem+json"
        assert set(bad.json["errors"]) <= {"limit", "after_seq"} and bad.json["errors"]
    assert ledger.counts() == before


def test_the_balance_says_whether_expenses_may_be_logged(ledger: Ledger) -> None:
    campaign_id, _, token = ledger.open_campaign()

    def can_log() -> bool:
        answer = ledger.client.get(f"{API}/campaigns/{campaign_id}/balance").json
        value = answer["can_log_expenses"]
        assert isinstance(value, bool)
        return value

    assert can_log() is False
    assert post_expense(ledger, campaign_id, token, amount="1").status_code == 409
    ledger.collect(campaign_id, 2_000)
    assert can_log() is True
    assert post_expense(ledger, campaign_id, token, amount="2000").status_code == 201
    assert can_log() is False
    assert post_expense(ledger, campaign_id, token, amount="1").status_code == 409


def test_the_receipt_limits_are_published_as_enforced(make_ledger: Any, database_url: str) -> None:
    ledger = make_ledger(database_url, receipt_max_bytes=2_000)
    campaign_id, _, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)

    limits = ledger.client.get(f"{API}/limits")

    assert limits.status_code == 200
    assert limits.json["receipt_max_bytes"] == 2_000
    assert limits.json["receipt_types"] == ["application/pdf", "image/png", "image/jpeg"]
    assert limits.json["receipt_max_pixels"] > 0
    assert set(limits.json["text_max_lengths"]) == {"category", "description", "vendor", "reason"}
    assert limits.headers["Cache-Control"].startswith("public")
    receipt = pdf_bytes()
    padded = receipt + b" " * (2_001 - len(receipt))
    assert post_expense(ledger, campaign_id, token, receipt=padded).status_code == 413


def test_the_answers_are_in_the_openapi(ledger: Ledger) -> None:
    spec = ledger.client.get(f"{API}/openapi.json").json
    paths = spec["paths"]
    assert "get" in paths["/api/v1/campaigns/{campaign_id}/expenses"]
    assert "get" in paths["/api/v1/limits"]
    schemas = spec["components"]["schemas"]
    assert "can_log_expenses" in schemas["Balance"]["properties"]
    assert {"in_force", "reversible", "reversed_by"} <= set(schemas["Expense"]["properties"])
