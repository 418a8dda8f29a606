"""While no money moves, every e-mail says so: an update's mail when its campaign is in test
mode, account mail unless the installation says payments are live (FUNDTRAIL_PAYMENTS_LIVE)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import flask
import pytest

from shared.events import new_envelope
from tests.integration.ledger.ledger_support import campaign_event
from tests.integration.updates.mail_support import (
    T0,
    Campaign,
    Clock,
    deliver,
    mail_app,
    new_account,
    sender,
)
from tests.integration.updates.test_updates_account_mail import requested, send
from tests.integration.updates.test_updates_mail_transports import read_maildir

LINE = "Test mode: pledges are recorded, no money moves."


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    app = mail_app(database_url, tmp_path)  # the local default: a Maildir under var/
    yield app
    app.extensions["fundtrail"].engine.dispose()


def taking_real_money(app: flask.Flask, campaign: Campaign) -> None:
    made = campaign_event(
        "campaign.launched", campaign.id, campaign.creator_id, occurred_at=T0 + timedelta(hours=1)
    )
    real = new_envelope(
        made.type,
        {**made.payload, "test_mode": False},
        producer="pledges",
        campaign_id=campaign.id,
        occurred_at=made.occurred_at,
    )
    assert deliver(app, real).status == "handled"


def test_an_update_of_a_test_mode_campaign_says_so_in_both_parts(
    app: flask.Flask, tmp_path: Path
) -> None:
    campaign = Campaign(app)  # its events carry no test_mode: from before payments
    campaign.backer("ada@example.test")
    campaign.backer("bob@example.test")
    campaign.publish(title="Boxes shipped")
    assert sender(app, Clock()).send_batch() == (2, 2)

    messages = read_maildir(tmp_path / "mail")
    assert len(messages) == 2
    for message in messages:
        text, html = message.iter_parts()
        assert text.get_content().startswith(LINE + "\n\nBoxes shipped\n")
        assert f"<p><strong>{LINE}</strong></p>" in html.get_content()


def test_an_update_of_a_campaign_taking_real_money_has_no_line(
    app: flask.Flask, tmp_path: Path
) -> None:
    campaign = Campaign(app)
    taking_real_money(app, campaign)
    campaign.backer("ada@example.test")
    campaign.publish(title="Boxes shipped")
    assert sender(app, Clock()).send_batch() == (1, 1)

    (message,) = read_maildir(tmp_path / "mail")
    text, html = message.iter_parts()
    assert "Test mode" not in text.get_content() and "Test mode" not in html.get_content()
    assert "Boxes are out." in text.get_content()


def test_account_mail_says_test_mode_by_default(app: flask.Flask, tmp_path: Path) -> None:
    account_id = new_account(app, "ada@example.test")
    assert deliver(app, requested(app, account_id), "accounts.events").status == "handled"
    assert send(app) == 1
    (message,) = read_maildir(tmp_path / "mail")
    assert message.get_content().startswith(LINE + "\n\n")
    assert "/verify?token=" in message.get_content()


def test_account_mail_has_no_line_once_payments_are_live(database_url: str, tmp_path: Path) -> None:
    app = mail_app(database_url, tmp_path, payments_live=True)
    try:
        account_id = new_account(app, "ada@example.test")
        deliver(app, requested(app, account_id, "reset_password", hours=1), "accounts.events")
        assert send(app) == 1
        (message,) = read_maildir(tmp_path / "mail")
        assert "Test mode" not in message.get_content()
        assert "/reset-password?token=" in message.get_content()
    finally:
        app.extensions["fundtrail"].engine.dispose()
