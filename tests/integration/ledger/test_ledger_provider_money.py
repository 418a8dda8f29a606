"""Fees and disputes through the real handlers on SQLite and PostgreSQL: the balance, the public
entries, refusals that write nothing, exports that verify offline, and the report's figures."""

from __future__ import annotations

import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from beancount import loader
from click.testing import CliRunner

from services.cli import main
from services.ledger.adapters.tables import disputes
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, payment_event

pytestmark = pytest.mark.both_databases

API = "/api/v1"


@dataclass
class Story:
    campaign_id: uuid.UUID
    token: str
    first: uuid.UUID
    second: uuid.UUID


def fee(ledger: Ledger, story: Story, pledge: uuid.UUID, amount: int, kind: str, ref: str) -> Any:
    envelope = payment_event(
        "payment.fee_charged", story.campaign_id, pledge, amount, fee_kind=kind,
        payment_reference=ref,
    )  # fmt: skip
    return ledger.deliver(envelope)


def dispute(ledger: Ledger, story: Story, pledge: uuid.UUID, amount: int, ref: str,
            outcome: str | None = None) -> Any:  # fmt: skip
    if outcome is None:
        envelope = payment_event(
            "payment.dispute_opened", story.campaign_id, pledge, amount,
            dispute_reference=ref, reason="fraudulent",
        )  # fmt: skip
    else:
        envelope = payment_event(
            "payment.dispute_closed", story.campaign_id, pledge, amount,
            dispute_reference=ref, outcome=outcome,
        )  # fmt: skip
    return ledger.deliver(envelope)


@pytest.fixture
def story(ledger: Ledger) -> Story:
    """Two collected pledges; fees on the first; a dispute on it won, one on the second lost."""
    campaign_id, _, token = ledger.open_campaign()
    made = Story(campaign_id, token, uuid.uuid4(), uuid.uuid4())
    ledger.collect(campaign_id, 10_000, pledge_id=made.first)
    ledger.collect(campaign_id, 6_000, pledge_id=made.second)
    for kind, amount in (("processing", 320), ("platform", 500)):
        assert fee(ledger, made, made.first, amount, kind, "txn_3Nx").status == "handled"
    assert dispute(ledger, made, made.first, 4_000, "dp_won").status == "handled"
    assert dispute(ledger, made, made.first, 4_000, "dp_won", "won").status == "handled"
    assert dispute(ledger, made, made.second, 6_000, "dp_lost").status == "handled"
    assert dispute(ledger, made, made.second, 6_000, "dp_lost", "lost").status == "handled"
    return made


def get(ledger: Ledger, path: str) -> Any:
    response = ledger.client.get(f"{API}{path}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_the_balance_shows_gross_fees_disputed_and_net(ledger: Ledger, story: Story) -> None:
    balance = get(ledger, f"/campaigns/{story.campaign_id}/balance").json
    assert {k: balance[k] for k in ("raised", "refunded", "fees", "disputed", "net")} == {
        "raised": 16_000,
        "refunded": 0,
        "fees": 820,
        "disputed": 6_000,
        "net": 16_000 - 820 - 6_000,
    }
    assert (balance["spent"], balance["available"], balance["shortfall"]) == (0, 9_180, 0)


def test_entries_carry_the_providers_references(ledger: Ledger, story: Story) -> None:
    entries = get(ledger, f"/campaigns/{story.campaign_id}/entries").json["entries"]
    shown = [
        (e["kind"], e["amount"], e["category"], e["memo"], e.get("provider_reference"))
        for e in entries
    ]
    assert shown == [
        ("contribution", 10_000, None, None, None),
        ("contribution", 6_000, None, None, None),
        ("fee", 320, "processing", None, "txn_3Nx"),
        ("fee", 500, "platform", None, "txn_3Nx"),
        ("dispute", 4_000, None, "fraudulent", "dp_won"),
        ("dispute_reversal", 4_000, None, None, "dp_won"),
        ("dispute", 6_000, None, "fraudulent", "dp_lost"),
    ]
    assert entries[2]["postings"] == [
        {"account": "fees:processing", "amount": 320},
        {"account": "assets:funds", "amount": -320},
    ]
    assert all(e["provider_event_id"].startswith("evt_") for e in entries[2:])
    with ledger.engine.connect() as connection:
        rows = connection.execute(
            sa.select(disputes.c.reference, disputes.c.status, disputes.c.opened_seq)
            .where(disputes.c.campaign_id == story.campaign_id)
            .order_by(disputes.c.opened_seq)
        ).all()
    assert [tuple(row) for row in rows] == [("dp_won", "won", 4), ("dp_lost", "lost", 6)]


def test_the_provider_reporting_again_has_no_second_effect(ledger: Ledger, story: Story) -> None:
    before = ledger.counts()
    # New envelopes (the consumer's own dedup can't catch them), the same provider facts.
    assert fee(ledger, story, story.first, 320, "processing", "txn_3Nx").status == "handled"
    assert dispute(ledger, story, story.second, 6_000, "dp_lost").status == "handled"
    assert dispute(ledger, story, story.second, 6_000, "dp_lost", "lost").status == "handled"
    after = ledger.counts()
    assert after.pop("processed_events") == before.pop("processed_events") + 3
    assert after == before


@pytest.mark.parametrize(
    "refused",
    ["unknown pledge", "fee above the pledge", "close never opened", "won after lost"],
)
def test_refused_provider_events_write_nothing(ledger: Ledger, story: Story, refused: str) -> None:
    before = ledger.counts()
    if refused == "unknown pledge":
        outcome = fee(ledger, story, uuid.uuid4(), 100, "processing", "txn_other")
    elif refused == "fee above the pledge":
        outcome = fee(ledger, story, story.second, 6_001, "processing", "txn_big")
    elif refused == "close never opened":
        outcome = dispute(ledger, story, story.first, 100, "dp_nope", "won")
    else:
        outcome = dispute(ledger, story, story.second, 6_000, "dp_lost", "won")
    # The handler refuses it every time: parked for a person to look at, the books unchanged.
    assert outcome.status == "dead-lettered"
    assert ledger.dead_letters.parked[-1][0] == "pledges.events.dlq"
    assert ledger.counts() == before


def test_the_creator_cannot_reverse_a_fee_or_a_dispute(ledger: Ledger, story: Story) -> None:
    before = ledger.counts()
    for seq in (2, 4, 5):
        response = ledger.client.post(
            f"{API}/campaigns/{story.campaign_id}/entries/{seq}/reverse",
            json={"reason": "I'd rather not pay it"},
            headers=bearer(story.token),
        )
        assert response.status_code == 409
        assert response.mimetype == "application/problem+json"
        assert "only expenses and reversals of them can be reversed" in response.json["detail"]
    assert ledger.counts() == before


def test_the_export_verifies_offline_and_every_format_carries_the_new_kinds(
    ledger: Ledger, story: Story, tmp_path: Path
) -> None:
    base = f"/campaigns/{story.campaign_id}"
    export, checkpoint, key = tmp_path / "e.jsonl", tmp_path / "c.txt", tmp_path / "k.txt"
    export.write_bytes(get(ledger, f"{base}/export.jsonl").data)
    checkpoint.write_bytes(get(ledger, f"{base}/checkpoint").data)
    key.write_bytes(get(ledger, "/log/key").data)
    result = CliRunner().invoke(
        main, ["verify", str(export), "--checkpoint", str(checkpoint), "--key", str(key)]
    )
    assert result.exit_code == 0, result.output
    assert len(export.read_bytes().splitlines()) == 7

    csv_text = get(ledger, f"{base}/export.csv").get_data(as_text=True)
    header, *rows = csv_text.splitlines()
    assert header.endswith(",leaf_hash,provider_reference,provider_event_id")
    assert '"fee","processing"' in rows[2] and '"txn_3Nx"' in rows[2]

    beancount = get(ledger, f"{base}/export.beancount").get_data(as_text=True)
    entries, errors, _ = loader.load_string(beancount)
    assert errors == []
    for account in ("Expenses:Fees:Processing", "Expenses:Fees:Platform", "Income:Disputes"):
        assert re.search(rf"^1970-01-01 open {account} EUR$", beancount, re.MULTILINE)


def test_the_report_shows_gross_fees_disputes_and_net(
    ledger: Ledger, story: Story, tmp_path: Path
) -> None:
    page = ledger.client.get(f"/campaigns/{story.campaign_id}/report")
    assert page.status_code == 200, page.get_data(as_text=True)
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page.get_data(as_text=True)))
    assert {
        k: totals[k] for k in ("Raised (gross)", "Payment fees", "Held by disputes", "Net")
    } == {
        "Raised (gross)": "€160.00",
        "Payment fees": "€8.20",
        "Held by disputes": "€60.00",
        "Net": "€91.80",
    }
    pdf = ledger.client.get(f"/campaigns/{story.campaign_id}/report.pdf")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    text = " ".join(
        subprocess.run(
            ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    for shown in (
        "RAISED (GROSS)",
        "PAYMENT FEES",
        "HELD BY DISPUTES",
        "€8.20",
        "€91.80",
        "Card disputes: 2. 1 won, €40.00 returned to the campaign. "
        "1 lost, €60.00 gone to the card holder for good.",
        "2 payment fees (day total)",
        "2 card disputes opened (day total)",
    ):
        assert shown in text, shown


def test_a_published_report_announces_fees_and_disputed(ledger: Ledger, story: Story) -> None:
    published = ledger.client.post(
        f"{API}/campaigns/{story.campaign_id}/reports", headers=bearer(story.token)
    )
    assert published.status_code == 201, published.get_data(as_text=True)
    [announced] = [e for _, e in ledger.outbox() if e.type == "report.published"]
    totals = {k: announced.payload[k] for k in ("raised", "fees", "disputed", "available")}
    assert totals == {"raised": 16_000, "fees": 820, "disputed": 6_000, "available": 9_180}
