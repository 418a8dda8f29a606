"""Payment notices through the updates consumer: a failed payment and a dropped pledge mail the
backer, a dispute mails the creator; each event once; nothing for a campaign or an address the
service does not know; and a dropped pledge loses the backer's access until it is paid late."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest

from shared.events import Envelope, new_envelope
from tests.integration.updates.mail_support import (
    Campaign,
    deliver,
    mail_app,
    new_account,
)
from tests.integration.updates.test_updates_account_mail import send, stored
from tests.integration.updates.test_updates_comments import comment
from tests.integration.updates.test_updates_mail_test_mode import LINE, taking_real_money
from tests.integration.updates.test_updates_mail_transports import read_maildir
from tests.integration.updates.updates_support import World

SITE = "http://site.test:8000"


@pytest.fixture
def mail(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = mail_app(database_url, tmp_path, site_url=SITE + "/")
    yield app
    app.extensions["fundtrail"].engine.dispose()


def news(
    event_type: str,
    campaign_id: uuid.UUID,
    *,
    backer_id: uuid.UUID | None = None,
    pledge_id: uuid.UUID | None = None,
    at: datetime | None = None,
    **extra: Any,
) -> Envelope:
    """A pledge or payment event as the pledges service publishes it, happening `at` (now)."""
    payload: dict[str, Any] = {
        "campaign_id": campaign_id,
        "pledge_id": pledge_id or uuid.uuid4(),
        "amount": 5_000,
        "currency": "EUR",
        **extra,
    }
    if event_type.startswith("pledge."):
        payload.update(backer_id=backer_id or uuid.uuid4(), tier_id=None)
    if event_type == "pledge.payment_failed":
        payload.setdefault("payment_reference", "pi_attempt_1")
        payload.setdefault("reason_code", "card_declined")
        payload.setdefault("retry_until", datetime.now(UTC) + timedelta(days=7))
    if event_type == "pledge.collected":
        payload["payment_reference"] = "pi_attempt_2"
    if event_type.startswith("payment.dispute"):
        payload.update(provider_event_id="evt_123", dispute_reference="dp_123")
    return new_envelope(
        event_type,
        payload,
        producer="pledges",
        campaign_id=campaign_id,
        occurred_at=at or datetime.now(UTC),
    )


def test_a_failed_payment_mails_the_backer_once_per_failure(
    mail: flask.Flask, tmp_path: Path
) -> None:
    campaign = Campaign(mail)  # from before payments: test mode
    backer_id = campaign.backer("ada@example.test")
    pledge_id = uuid.uuid4()
    until = datetime(2030, 1, 8, 9, 15, tzinfo=UTC)
    first = news(
        "pledge.payment_failed",
        campaign.id,
        backer_id=backer_id,
        pledge_id=pledge_id,
        reason_code="authentication_required",
        retry_until=until,
    )
    assert deliver(mail, first).status == "handled"
    assert deliver(mail, first).status == "duplicate"  # redelivered: no second message
    assert send(mail) == 1

    (message,) = read_maildir(tmp_path / "mail")
    text = message.get_content()
    assert message["To"] == "ada@example.test"
    assert message["Subject"] == "Your payment to Board game did not go through"
    assert text.startswith(LINE + "\n\nYour pledge of €50.00 to Board game could not be paid: ")
    assert "the card's bank asked for the payment to be confirmed." in text
    assert "You can fix it until 8 January 2030, 09:15 UTC." in text
    assert f"\n{SITE}/campaigns/{campaign.id}\n" in text
    assert "pi_attempt_1" not in text and "authentication_required" not in text

    # The next attempt fails too: a new event, a new message.
    again = news("pledge.payment_failed", campaign.id, backer_id=backer_id, pledge_id=pledge_id)
    assert deliver(mail, again).status == "handled"
    assert send(mail) == 1
    messages = read_maildir(tmp_path / "mail")
    assert len(messages) == 2
    assert {m["Message-ID"] for m in messages} == {
        f"<{first.event_id}@fundtrail.local>",
        f"<{again.event_id}@fundtrail.local>",
    }
    assert any("the card was declined" in m.get_content() for m in messages)


def test_a_dropped_pledge_tells_the_backer_no_money_was_taken(
    mail: flask.Flask, tmp_path: Path
) -> None:
    campaign = Campaign(mail)
    taking_real_money(mail, campaign)
    backer_id = campaign.backer("ada@example.test")
    assert deliver(mail, news("pledge.dropped", campaign.id, backer_id=backer_id)).status == (
        "handled"
    )
    assert send(mail) == 1
    (message,) = read_maildir(tmp_path / "mail")
    assert message["Subject"] == "Your pledge to Board game was dropped"
    assert message.get_content() == (
        "Your pledge of €50.00 to Board game was dropped: its payment was not completed in "
        "time. No money was taken, and you owe nothing.\n\n"
        f"{SITE}/campaigns/{campaign.id}\n"
    )  # real money: no test-mode line


def test_a_dispute_and_its_end_are_told_to_the_creator(mail: flask.Flask, tmp_path: Path) -> None:
    creator_id = new_account(mail, "creator@example.test", "creator")
    campaign = Campaign(mail, creator_id=creator_id)
    opened = news("payment.dispute_opened", campaign.id, amount=2_500, reason="fraudulent")
    assert deliver(mail, opened).status == "handled"
    assert send(mail) == 1
    closed = news("payment.dispute_closed", campaign.id, amount=2_500, outcome="lost")
    assert deliver(mail, closed).status == "handled"
    assert send(mail) == 1

    messages = {m["Subject"]: m for m in read_maildir(tmp_path / "mail")}
    assert set(messages) == {
        "A payment to Board game is disputed",
        "A disputed payment to Board game was decided for the backer",
    }
    assert {m["To"] for m in messages.values()} == {"creator@example.test"}
    told = messages["A payment to Board game is disputed"].get_content()
    assert told.startswith(LINE)
    assert "they did not make this payment" in told
    assert "€25.00 is held back" in told and "public ledger" in told
    assert "dp_123" not in told and "evt_123" not in told and "fraudulent" not in told
    ended = messages["A disputed payment to Board game was decided for the backer"]
    assert "stays out of the campaign" in ended.get_content()


def test_news_nobody_can_be_told_of_mails_nobody(mail: flask.Flask, tmp_path: Path) -> None:
    unknown = uuid.uuid4()
    for event in (
        news("pledge.payment_failed", unknown),
        news("pledge.dropped", unknown),
        news("payment.dispute_opened", unknown, reason="general"),
        news("payment.dispute_closed", unknown, outcome="won"),
    ):
        assert deliver(mail, event).status == "handled"
    assert stored(mail) == []

    campaign = Campaign(mail)  # its creator never gave an address
    unproven = campaign.backer("eve@example.test", confirmed=False)
    for event in (
        news("pledge.payment_failed", campaign.id),  # a backer we never heard of
        news("pledge.dropped", campaign.id, backer_id=unproven),
        news("payment.dispute_opened", campaign.id, reason="general"),
    ):
        assert deliver(mail, event).status == "handled"
    assert send(mail) == 0
    assert sorted((str(row["purpose"]), str(row["last_error"])) for row in stored(mail)) == [
        ("dispute_opened", "no address or expired"),
        # The pledge's own news: to the creator, who gave no address; to the backer, whose
        # address is unproven (and its event days old).
        ("new_pledges", "no address or expired"),
        ("payment_failed", "no address or expired"),
        ("pledge_dropped", "address not proven"),
        ("pledge_made", "no address or expired"),
    ]
    assert not (tmp_path / "mail" / "new").exists() or not read_maildir(tmp_path / "mail")


def test_a_dropped_pledge_loses_backers_only_access_until_it_is_paid_late(world: World) -> None:
    backer_id = uuid.uuid4()
    pledge_id = world.pledge(backer_id, 2_000).payload["pledge_id"]
    world.stranger_id = backer_id  # so `world.headers("stranger")` is this backer's
    update_id = world.post(title="For backers", visibility="backers").json["id"]

    def reads() -> bool:
        shown = world.get(f"/api/v1/updates/{update_id}", "stranger").json
        return shown.get("title") == "For backers"

    def deliver_news(event_type: str, at: datetime) -> str:
        event = news(event_type, world.campaign_id, backer_id=backer_id, pledge_id=pledge_id, at=at)
        return deliver(world.app, event).status

    now = datetime.now(UTC)
    assert deliver_news("pledge.payment_failed", now) == "handled"
    assert reads()  # may still fix it: still a backer

    dropped = news(
        "pledge.dropped", world.campaign_id, backer_id=backer_id, pledge_id=pledge_id, at=now
    )
    assert deliver(world.app, dropped).status == "handled"
    assert deliver(world.app, dropped).status == "duplicate"
    assert not reads()
    refused = comment(world, update_id, "stranger", "Still in?")
    assert refused.status_code == 403
    assert refused.json["detail"] == "only the campaign's backers and its creator may comment"

    # Paid late, stamped by a clock a little behind the one that dropped it: counts again.
    assert deliver_news("pledge.collected", now - timedelta(seconds=2)) == "handled"
    assert reads()
    assert comment(world, update_id, "stranger", "Paid now").status_code == 201
    # A drop heard late, or again as a new event, never undoes money that arrived.
    assert deliver_news("pledge.dropped", now + timedelta(seconds=5)) == "handled"
    assert reads()
