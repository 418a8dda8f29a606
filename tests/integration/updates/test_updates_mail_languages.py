"""Mail in each reader's language: the frame of an update's message (links, footer, test-mode
line) in the reader's, an automatic update in its campaign's, rupiah as Indonesians write it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa

from shared.events import decode, new_envelope
from tests.integration.ledger.ledger_support import campaign_event
from tests.integration.updates.mail_support import (
    T0,
    Clock,
    SmtpInbox,
    deliver,
    mail_app,
    new_account,
    pledge,
    sender,
    smtp_inbox_fixture,  # noqa: F401  (the `smtp_inbox` fixture)
)


@pytest.fixture
def app(database_url: str, tmp_path: Path, smtp_inbox: SmtpInbox) -> Iterator[flask.Flask]:
    app = mail_app(database_url, tmp_path, smtp_url=smtp_inbox.url)
    yield app
    app.extensions["fundtrail"].mailer.close()
    app.extensions["fundtrail"].engine.dispose()


def launch(app: flask.Flask, language: str) -> uuid.UUID:
    """A rupiah campaign launched in `language`; its automatic update waits in the outbox."""
    campaign_id = uuid.uuid4()
    launched = campaign_event(
        "campaign.launched",
        campaign_id,
        uuid.uuid4(),
        currency="IDR",
        goal_amount=50_000_000,
        language=language,
        occurred_at=T0,
    )
    assert deliver(app, launched).status == "handled"
    return campaign_id


def back(app: flask.Flask, campaign_id: uuid.UUID, email: str, language: str) -> uuid.UUID:
    account_id = new_account(app, email, language=language)
    assert deliver(app, pledge("pledge.created", campaign_id, account_id)).status == "handled"
    return account_id


def hear_announcements(app: flask.Flask) -> None:
    """Play the worker: consume the service's own `update.published` events from its outbox."""
    dependencies = app.extensions["fundtrail"]
    outbox = dependencies.tables["outbox"]
    with dependencies.engine.connect() as connection:
        values = connection.execute(
            sa.select(outbox.c.value).where(outbox.c.topic == "updates.events")
        ).scalars()
        published = [e for e in map(decode, values) if e.type == "update.published"]
    for envelope in published:
        assert deliver(app, envelope, "updates.events").status == "handled"


def test_each_reader_is_written_to_in_their_language_and_the_update_in_its_campaigns(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    indonesian = launch(app, "id")
    english = launch(app, "en")
    back(app, indonesian, "siti@example.test", "id")
    back(app, english, "siti@example.test", "id")
    back(app, indonesian, "ada@example.test", "en")
    bob = back(app, english, "bob@example.test", "en")
    changed = new_envelope(
        "account.language_changed",
        {"account_id": bob, "language": "id"},
        producer="pledges",
        campaign_id=None,
    )
    assert deliver(app, changed, "accounts.events").status == "handled"

    hear_announcements(app)
    assert sender(app, Clock()).send_batch() == (4, 4)

    siti_id, siti_en = sorted(smtp_inbox.to("siti@example.test"), key=lambda m: m["Subject"])
    assert siti_id["Subject"] == "[Board game] Kampanye sudah dimulai"
    text = siti_id.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Mode uji coba: dukungan dicatat, tetapi tidak ada uang yang berpindah.")
    assert "Board game kini terbuka untuk dukungan. Kampanye ini menargetkan Rp 50.000.000" in text
    assert "Anda menerima email ini karena Anda mendukung Board game di Fundtrail." in text
    assert "Berhenti menerima email tentang kampanye ini: http" in text
    html = siti_id.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert '<html lang="id">' in html and "Baca di situs</a>" in html
    # The English campaign's own words, in Siti's frame.
    assert siti_en["Subject"] == "[Board game] The campaign is live"
    assert "Anda menerima email ini" in siti_en.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    (ada,) = smtp_inbox.to("ada@example.test")
    ada_text = ada.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert ada["Subject"] == "[Board game] Kampanye sudah dimulai"
    assert "Test mode: pledges are recorded, no money moves." in ada_text
    assert "You get this because you back Board game on Fundtrail." in ada_text
    assert "Anda menerima" not in ada_text

    (bob_mail,) = smtp_inbox.to("bob@example.test")
    bob_text = bob_mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "It aims to raise IDR50,000,000" in bob_text  # the English campaign's update
    assert "Anda menerima email ini karena Anda mendukung" in bob_text  # Bob's new language
