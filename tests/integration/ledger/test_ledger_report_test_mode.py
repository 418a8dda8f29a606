"""A campaign run without a payment provider gets a report that says, on its cover, that no
money moved; a published one keeps saying so, whatever the campaign later becomes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.events import Envelope, new_envelope
from tests.factories import bearer
from tests.integration.ledger.ledger_support import Ledger, campaign_event
from tests.integration.ledger.test_ledger_report_rendering import pdf_text

NOTICE = "Test mode — no money moved."


def with_test_mode(envelope: Envelope, test_mode: bool) -> Envelope:
    return new_envelope(
        envelope.type,
        {**envelope.payload, "test_mode": test_mode},
        producer="pledges",
        campaign_id=envelope.campaign_id,
        occurred_at=envelope.occurred_at,
    )


def pdf_words(ledger: Ledger, path: str, folder: Path) -> str:
    response = ledger.client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/pdf"
    folder.mkdir(exist_ok=True)
    (folder / "report.pdf").write_bytes(response.data)
    return pdf_text(folder / "report.pdf")


def turn_real(ledger: Ledger, campaign_id: uuid.UUID, creator_id: uuid.UUID) -> None:
    """A later campaign event saying the campaign takes real money (say, launched again where
    a payment provider is set): the strongest test of "forever"."""
    later = datetime.now(UTC) + timedelta(minutes=1)
    real = campaign_event("campaign.updated", campaign_id, creator_id, occurred_at=later)
    assert ledger.deliver(with_test_mode(real, False)).status == "handled"


def test_a_test_mode_campaigns_report_says_no_money_moved(ledger: Ledger, tmp_path: Path) -> None:
    # Its events carry no test_mode (as every event from before payments): test mode.
    campaign_id, creator_id, _ = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    page = f"/campaigns/{campaign_id}/report"

    assert NOTICE in pdf_words(ledger, f"{page}.pdf", tmp_path / "test")
    html = ledger.client.get(page).get_data(as_text=True)
    assert NOTICE in html and 'class="test-mode"' in html

    # The kept rendering is keyed by what it is made from, test mode included: the same
    # checkpoint rendered for a campaign taking real money has no notice.
    turn_real(ledger, campaign_id, creator_id)
    assert NOTICE not in pdf_words(ledger, f"{page}.pdf", tmp_path / "real")
    assert NOTICE not in ledger.client.get(page).get_data(as_text=True)


def test_a_report_published_in_test_mode_says_so_forever(ledger: Ledger, tmp_path: Path) -> None:
    campaign_id, creator_id, token = ledger.open_campaign()
    ledger.collect(campaign_id, 5_000)
    published = ledger.client.post(
        f"/api/v1/campaigns/{campaign_id}/reports", headers=bearer(token)
    )
    assert published.status_code == 201, published.get_data(as_text=True)
    kept = f"/campaigns/{campaign_id}/reports/{published.json['id']}"
    before = ledger.client.get(f"{kept}.pdf").data

    turn_real(ledger, campaign_id, creator_id)

    assert ledger.client.get(f"{kept}.pdf").data == before
    assert NOTICE in pdf_words(ledger, f"{kept}.pdf", tmp_path)
    assert NOTICE in ledger.client.get(f"{kept}.html").get_data(as_text=True)


def test_a_campaign_taking_real_money_has_no_notice(ledger: Ledger, tmp_path: Path) -> None:
    campaign_id, creator_id = uuid.uuid4(), uuid.uuid4()
    made = campaign_event("campaign.launched", campaign_id, creator_id)
    assert ledger.deliver(with_test_mode(made, False)).status == "handled"
    ledger.collect(campaign_id, 5_000)
    text = pdf_words(ledger, f"/campaigns/{campaign_id}/report.pdf", tmp_path)
    assert NOTICE not in text and "Test mode" not in text
    assert "PUBLIC SPENDING REPORT Board game" in text
