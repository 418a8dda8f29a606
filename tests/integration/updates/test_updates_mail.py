"""E-mail notifications over a real SMTP server: who gets what, one-click unsubscribe, retries,
and addresses kept out of events and logs."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import flask
import pytest
import sqlalchemy as sa
import structlog

from shared.events import decode, new_envelope
from tests.factories import bearer, issue_token
from tests.integration.updates.mail_support import (
    Campaign,
    Clock,
    SmtpInbox,
    confirm_address,
    count,
    deliver,
    mail_app,
    new_account,
    outbox_rows,
    pledge,
    sender,
    smtp_inbox_fixture,  # noqa: F401  (the `smtp_inbox` fixture)
    unsubscribe_path,
)

#: Where the site is: the mail's links go there.
SITE = "https://fundtrail.test"


@pytest.fixture
def app(database_url: str, tmp_path: Path, smtp_inbox: SmtpInbox) -> Iterator[flask.Flask]:
    app = mail_app(
        database_url,
        tmp_path,
        smtp_url=smtp_inbox.url,
        public_url="https://updates.fundtrail.test",
        site_url=SITE,
        mail_from="Fundtrail <updates@fundtrail.test>",
        mail_retry_base=60.0,
        mail_max_attempts=3,
    )
    yield app
    app.extensions["fundtrail"].mailer.close()
    app.extensions["fundtrail"].engine.dispose()


def test_each_backer_with_an_address_gets_one_multipart_message(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    ada = campaign.backer("ada@example.test")
    campaign.backer("bob@example.test")
    campaign.backer(None)  # no address: no mail
    new_account(app, "nosy@example.test")  # not a backer: no mail

    update = campaign.publish(title="Boxes shipped")
    assert sender(app, Clock()).send_batch() == (2, 2)

    assert sorted(r for rs in smtp_inbox.recipients for r in rs) == [
        "ada@example.test",
        "bob@example.test",
    ]
    (message,) = smtp_inbox.to("ada@example.test")
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert "Boxes are out." in text.get_content()
    assert "<strong>out</strong>" in html.get_content()
    assert message["Subject"] == "[Board game] Boxes shipped"
    assert message["From"] == "Fundtrail <updates@fundtrail.test>"
    assert message["Message-ID"] == f"<{update.payload['update_id']}.{ada}@fundtrail.test>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://updates.fundtrail.test/unsubscribe/")
    # As it arrived: one plain `<URL>`, not RFC 2047 encoded words (which RFC 2369 clients do
    # not decode, so their unsubscribe button would not work).
    [raw] = [value for name, value in message.raw_items() if name == "List-Unsubscribe"]
    assert raw == message["List-Unsubscribe"]
    assert unsubscribe_path(message) in text.get_content()
    # "Read it online" opens the update's page on the site, never the updates API's JSON.
    page = f"{SITE}/campaigns/{campaign.id}/updates/{update.payload['update_id']}"
    assert f"Read it online: {page}" in text.get_content()
    assert f'<a href="{page}">Read it online</a>' in html.get_content()
    assert "/api/" not in text.get_content()
    assert [row["status"] for row in outbox_rows(app)] == ["sent", "sent"]


def test_a_redelivered_update_is_mailed_once(app: flask.Flask, smtp_inbox: SmtpInbox) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    update = campaign.publish()
    # The same event again (a redelivery), and another event about the same update.
    assert deliver(app, update, "updates.events").status == "duplicate"
    again = new_envelope(
        "update.published", dict(update.payload), producer="updates", campaign_id=campaign.id
    )
    assert deliver(app, again, "updates.events").status == "handled"

    sender(app, Clock()).send_batch()
    assert len(smtp_inbox.messages) == 1
    assert len(outbox_rows(app)) == 1


def test_backers_only_updates_go_to_readers_and_public_ones_to_every_backer(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    campaign.backer("live@example.test")
    campaign.backer("released@example.test", "pledge.released")

    campaign.publish(visibility="backers", title="For backers")
    campaign.publish(visibility="public", title="For all")
    sender(app, Clock()).send_batch()

    subjects = sorted((m["To"], m["Subject"]) for m in smtp_inbox.messages)
    assert subjects == [
        ("live@example.test", "[Board game] For all"),
        ("live@example.test", "[Board game] For backers"),
        ("released@example.test", "[Board game] For all"),
    ]


def test_one_click_unsubscribe_stops_that_campaigns_mail_only(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign, other = Campaign(app), Campaign(app)
    ada = campaign.backer("ada@example.test")
    campaign.backer("bob@example.test")
    # Ada backs the other campaign too.
    deliver(app, pledge("pledge.created", other.id, ada))
    campaign.publish(title="First")
    send = sender(app, Clock())
    send.send_batch()
    (first,) = smtp_inbox.to("ada@example.test")
    path = unsubscribe_path(first)

    client = app.test_client()
    page = client.get(path)  # a link scanner: shows a button, changes nothing
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert '<form method="post">' in page.get_data(as_text=True)
    assert count(app, "mail_unsubscriptions") == 0

    # What a mail client sends for RFC 8058 one-click: no cookie, no token header.
    answer = client.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 200
    assert "no more e-mails about <strong>Board game</strong>" in answer.get_data(as_text=True)
    assert client.post(path).status_code == 200  # again: still fine, nothing more
    assert count(app, "mail_unsubscriptions") == 1

    campaign.publish(title="Second")
    other.publish(title="Elsewhere")
    send.send_batch()
    assert sorted(m["Subject"] for m in smtp_inbox.to("ada@example.test")) == [
        "[Board game] Elsewhere",
        "[Board game] First",
    ]
    assert sorted(m["Subject"] for m in smtp_inbox.to("bob@example.test")) == [
        "[Board game] First",
        "[Board game] Second",
    ]


def test_a_message_queued_before_the_unsubscribe_is_not_sent(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    campaign.publish(title="First")
    send = sender(app, Clock())
    send.send_batch()
    path = unsubscribe_path(smtp_inbox.messages[0])

    campaign.publish(title="Queued")  # queued, not sent yet
    assert app.test_client().post(path).status_code == 200
    assert send.send_batch() == (1, 0)
    assert len(smtp_inbox.messages) == 1
    assert outbox_rows(app)[-1]["status"] == "dropped"


def _tampered(path: str) -> list[str]:
    token = path.rsplit("/", 1)[1]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    forge = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()  # noqa: E731
    other_account = forge(bytes(16) + raw[16:])
    flipped = forge(raw[:-1] + bytes([raw[-1] ^ 1]))
    return [other_account, flipped, token[:-3], "not-a-token", "x" * 300]


def test_forged_tampered_or_other_accounts_tokens_do_nothing(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    campaign.publish()
    sender(app, Clock()).send_batch()
    path = unsubscribe_path(smtp_inbox.messages[0])

    client = app.test_client()
    for token in _tampered(path):
        for method in (client.post, client.get):
            answer = method(f"/unsubscribe/{token}")
            assert answer.status_code == 404, token
            assert answer.mimetype == "application/problem+json"
            assert answer.json["detail"].startswith("This unsubscribe link is not valid")
    assert count(app, "mail_unsubscriptions") == 0


def test_a_refusing_server_is_retried_with_backoff_then_delivered(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    campaign.publish()
    clock = Clock()
    send = sender(app, clock)
    smtp_inbox.refuse = 2

    assert send.send_batch() == (1, 0)  # 451: try again in 60 s
    (row,) = outbox_rows(app)
    assert (row["status"], row["attempts"], row["last_error"]) == (
        "pending",
        1,
        "SMTPDataError 451",
    )
    assert row["next_try_at"] == clock.now + timedelta(seconds=60)
    assert send.send_batch() == (0, 0)  # not due yet: the consumer and requests never wait

    clock.advance(seconds=60)
    assert send.send_batch() == (1, 0)  # 451 again: the wait doubles
    (row,) = outbox_rows(app)
    assert row["next_try_at"] == clock.now + timedelta(seconds=120)

    clock.advance(seconds=119)
    assert send.send_batch() == (0, 0)
    clock.advance(seconds=1)
    assert send.send_batch() == (1, 1)
    assert len(smtp_inbox.messages) == 1
    (row,) = outbox_rows(app)
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 3, clock.now)


def test_the_sender_gives_up_after_its_tries_and_keeps_the_row(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    campaign.publish()
    clock = Clock()
    send = sender(app, clock)
    smtp_inbox.refuse = 99

    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            send.send_batch()
            clock.advance(hours=1)
        assert send.send_batch() == (0, 0)

    (row,) = outbox_rows(app)
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["mail.given_up"]
    assert smtp_inbox.messages == []


def test_addresses_never_reach_events_or_logs(app: flask.Flask, smtp_inbox: SmtpInbox) -> None:
    addresses = ["ada@example.test", "bob@example.test"]
    with structlog.testing.capture_logs() as logs:
        campaign = Campaign(app)
        ada = campaign.backer(addresses[0])
        campaign.backer(addresses[1])
        campaign.publish()
        clock = Clock()
        send = sender(app, clock)
        smtp_inbox.refuse = 1  # a failure is logged too
        send.send_batch()
        clock.advance(hours=1)
        send.send_batch()
        (message,) = smtp_inbox.to(addresses[0])
        app.test_client().post(unsubscribe_path(message))

    assert len(smtp_inbox.messages) == 2
    assert any(e["event"] == "mail.retry" for e in logs)
    assert any(e.get("account_id") == str(ada) for e in logs)  # ids are fine
    logged = repr(logs)
    # Every event the updates service publishes goes through its outbox.
    dependencies = app.extensions["fundtrail"]
    with dependencies.engine.connect() as connection:
        outbox = dependencies.tables["outbox"]
        published_bytes = b"".join(connection.execute(sa.select(outbox.c.value)).scalars())
    for address in addresses:
        assert address not in logged
        assert address.encode() not in published_bytes


def hear_back(app: flask.Flask, update_id: str) -> None:
    """Play the worker: consume the service's own `update.published` of `update_id` from its
    outbox, as its consumer of updates.events would."""
    dependencies = app.extensions["fundtrail"]
    outbox = dependencies.tables["outbox"]
    with dependencies.engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.value).where(outbox.c.topic == "updates.events")
        ).scalars()
        published = [decode(value) for value in rows]
    (envelope,) = [
        e
        for e in published
        if e.type == "update.published" and str(e.payload["update_id"]) == update_id
    ]
    assert deliver(app, envelope, "updates.events").status == "handled"


def test_a_posted_update_is_mailed_with_hostile_markdown_inert(
    app: flask.Flask, smtp_inbox: SmtpInbox, tmp_path: Path
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    body = (
        "Hello <script>alert(1)</script> [click](javascript:alert(1)) "
        '<img src=x onerror="alert(1)"> [data](data:text/html;base64,PHNjcmlwdD4=)'
    )
    posted = app.test_client().post(
        f"/api/v1/campaigns/{campaign.id}/updates",
        json={"title": "Hello there", "body": body, "visibility": "public"},
        headers=bearer(issue_token(tmp_path, "creator", campaign.creator_id)),
    )
    assert posted.status_code == 201, posted.json
    hear_back(app, posted.json["id"])
    sender(app, Clock()).send_batch()

    (message,) = smtp_inbox.messages
    text, html = (part.get_content() for part in message.iter_parts())
    assert "Hello" in html and "Hello" in text
    # What was hostile is at most text now: no such tag, no such link.
    for hostile in ("<script", "<img", 'href="javascript:', 'href="data:'):
        assert hostile not in html.lower(), hostile
    assert "&lt;script&gt;" in html or "alert(1)" not in html
    assert message["Subject"] == "[Board game] Hello there"


def test_a_remote_image_is_mailed_as_a_link_so_opening_the_mail_tells_nobody(
    app: flask.Flask, smtp_inbox: SmtpInbox, tmp_path: Path
) -> None:
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    posted = app.test_client().post(
        f"/api/v1/campaigns/{campaign.id}/updates",
        json={
            "title": "Prototype",
            "body": "See ![the prototype](https://tracker.example/p.gif?u=1)",
            "visibility": "public",
        },
        headers=bearer(issue_token(tmp_path, "creator", campaign.creator_id)),
    )
    assert posted.status_code == 201, posted.json
    hear_back(app, posted.json["id"])
    sender(app, Clock()).send_batch()

    (message,) = smtp_inbox.messages
    text, html = (part.get_content() for part in message.iter_parts())
    assert "<img" not in html.lower()
    assert '<a href="https://tracker.example/p.gif?u=1"' in html
    assert "the prototype <https://tracker.example/p.gif?u=1>" in text


def test_only_proven_addresses_get_update_mail(app: flask.Flask, smtp_inbox: SmtpInbox) -> None:
    # Anyone may sign up with someone else's address: until its owner follows the link, that
    # address is not mailed, or sign-up would be a way to send anyone mail in our name.
    campaign = Campaign(app)
    campaign.backer("proven@example.test")
    unproven = campaign.backer("unproven@example.test", confirmed=False)

    campaign.publish(title="Before")
    assert sender(app, Clock()).send_batch() == (1, 1)
    assert [m["To"] for m in smtp_inbox.messages] == ["proven@example.test"]

    confirm_address(app, unproven)
    campaign.publish(title="After")
    sender(app, Clock()).send_batch()
    assert sorted((m["To"], m["Subject"]) for m in smtp_inbox.messages) == [
        ("proven@example.test", "[Board game] After"),
        ("proven@example.test", "[Board game] Before"),
        ("unproven@example.test", "[Board game] After"),
    ]


def test_a_proof_heard_again_or_before_the_address_changes_nothing(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    campaign = Campaign(app)
    early = campaign.backer(None)  # its proof arrives before any address
    confirm_address(app, early)
    confirm_address(app, early)
    ada = campaign.backer("ada@example.test")
    confirm_address(app, ada)

    campaign.publish()
    assert sender(app, Clock()).send_batch() == (1, 1)
    assert [m["To"] for m in smtp_inbox.messages] == ["ada@example.test"]


def test_an_image_in_an_update_announced_before_the_upgrade_is_not_mailed(
    app: flask.Flask, smtp_inbox: SmtpInbox
) -> None:
    # `update.published` events written by an older release (still on the topic, or replayed)
    # carry HTML with images: the mail is made from the current allow-list all the same.
    campaign = Campaign(app)
    campaign.backer("ada@example.test")
    campaign.publish(body_html='<p>Hi<img src="https://tracker.example/p.gif" alt="x"></p>')
    sender(app, Clock()).send_batch()

    (message,) = smtp_inbox.messages
    html = message.get_body(("html",))
    assert html is not None
    assert "<img" not in html.get_content() and "tracker.example" not in html.get_content()
