"""The mail transports behind `Mailer`: the Maildir (the local default) and SMTP pass one
contract; the SMTP one keeps passwords off clear-text connections; the worker runs the sender."""

from __future__ import annotations

import mailbox
import smtplib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import flask
import pytest

from infra.kafka.client import find_free_port
from services.updates.mail.messages import Notification, compose
from services.updates.mail.transports import (
    TRANSIENT_ERRORS,
    MaildirMailer,
    Mailer,
    SmtpMailer,
    mailer_from_settings,
)
from shared.worker import _every
from tests.integration.updates.mail_support import (
    Campaign,
    SmtpInbox,
    mail_app,
    smtp_inbox_fixture,  # noqa: F401  (the `smtp_inbox` fixture)
)


def message(to: str = "ada@example.test", title: str = "We shipped") -> EmailMessage:
    notification = Notification(
        update_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        campaign_id=uuid.uuid4(),
        to=to,
        campaign_title="Board game",
        title=title,
        body_html="<p>Boxes are <em>out</em> — ünïcode too.</p>",
        url="https://updates.test/api/v1/updates/1",
        unsubscribe_url="https://updates.test/unsubscribe/token",
    )
    return compose(notification, "Fundtrail <updates@fundtrail.test>", datetime.now(UTC))


def read_maildir(path: Path) -> list[EmailMessage]:
    """What a person's mail client reads: each file in the Maildir, parsed."""
    box = mailbox.Maildir(path, create=False)
    return [
        message_from_bytes(box.get_bytes(key), policy=policy.default)  # type: ignore[misc]
        for key in box.iterkeys()
    ]


Transport = tuple[Mailer, Callable[[], list[EmailMessage]]]


@pytest.fixture(params=["maildir", "smtp"])
def transport(
    request: pytest.FixtureRequest, tmp_path: Path, smtp_inbox: SmtpInbox
) -> Iterator[Transport]:
    """Each transport, and how to read back what it delivered."""
    if request.param == "maildir":
        maildir = MaildirMailer(tmp_path / "mail")
        yield maildir, lambda: read_maildir(tmp_path / "mail")
        return
    smtp = SmtpMailer(smtp_inbox.url, timeout=5)
    yield smtp, lambda: list(smtp_inbox.messages)
    smtp.close()


def test_every_transport_delivers_the_message_as_composed(transport: Transport) -> None:
    mailer, delivered = transport
    sent = [message("ada@example.test", "First"), message("bob@example.test", "Second")]
    for each in sent:
        mailer.send(each)

    arrived = sorted(delivered(), key=lambda m: str(m["Subject"]))
    assert [(m["To"], m["Subject"]) for m in arrived] == [
        ("ada@example.test", "[Board game] First"),
        ("bob@example.test", "[Board game] Second"),
    ]
    for got, original in zip(arrived, sent, strict=True):
        for header in ("From", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
            assert got[header] == original[header], header
        text, html = got.iter_parts()
        assert "Boxes are out — ünïcode too." in text.get_content()
        assert "<em>out</em> — ünïcode too." in html.get_content()


def test_the_default_transport_is_the_maildir_and_smtp_url_switches(tmp_path: Path) -> None:
    assert isinstance(mailer_from_settings("", tmp_path / "mail"), MaildirMailer)
    smtp = mailer_from_settings("smtp://us%40er:p%3Ass@mail.test", tmp_path / "mail")
    assert isinstance(smtp, SmtpMailer)
    assert (smtp.host, smtp.port, smtp.username, smtp.password) == (
        "mail.test",
        587,
        "us@er",
        "p:ss",
    )
    implicit = SmtpMailer("smtps://mail.test")
    assert (implicit.implicit_tls, implicit.port) == (True, 465)
    with pytest.raises(ValueError):
        SmtpMailer("http://mail.test")


def test_a_refusal_is_transient_and_the_next_message_goes_through(
    smtp_inbox: SmtpInbox,
) -> None:
    smtp = SmtpMailer(smtp_inbox.url, timeout=5)
    smtp_inbox.refuse = 1
    with pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.send(message(title="Refused"))
    assert refused.value.smtp_code == 451
    assert isinstance(refused.value, TRANSIENT_ERRORS)
    smtp.send(message(title="Accepted"))
    smtp.close()
    assert [m["Subject"] for m in smtp_inbox.messages] == ["[Board game] Accepted"]


def test_no_server_is_a_transient_error() -> None:
    smtp = SmtpMailer(f"smtp://127.0.0.1:{find_free_port()}", timeout=2)
    with pytest.raises(TRANSIENT_ERRORS):
        smtp.send(message())


def test_a_password_is_never_sent_without_tls(smtp_inbox: SmtpInbox) -> None:
    # The test server offers no STARTTLS: a URL with a login must not fall back to clear text.
    smtp = SmtpMailer(f"smtp://user:secret@127.0.0.1:{smtp_inbox.port}", timeout=5)
    with pytest.raises(smtplib.SMTPNotSupportedError):
        smtp.send(message())
    assert smtp_inbox.messages == []


@pytest.fixture
def maildir_app(database_url: str, tmp_path: Path) -> Iterator[flask.Flask]:
    # No SMTP_URL: what `make run` does.
    app = mail_app(database_url, tmp_path, mail_poll_interval=0.05)
    yield app
    app.extensions["fundtrail"].engine.dispose()


def test_the_workers_sender_job_writes_to_the_maildir_by_default(
    maildir_app: flask.Flask, tmp_path: Path
) -> None:
    campaign = Campaign(maildir_app)
    campaign.backer("ada@example.test")
    campaign.publish(title="Read me")
    dependencies = maildir_app.extensions["fundtrail"]
    assert [job.name for job in dependencies.background_jobs()] == ["mail-sender"]

    stop = threading.Event()
    # The loop `run_worker` runs each background job in, in a thread of its own (the relay and
    # consumer threads beside it need Kafka; the sender does not).
    (job,) = dependencies.background_jobs()
    worker = threading.Thread(target=_every, args=(job, stop), daemon=True)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while not (tmp_path / "mail" / "new").exists() or not read_maildir(tmp_path / "mail"):
            assert time.monotonic() < deadline, "the worker's sender wrote nothing"
            time.sleep(0.05)
    finally:
        stop.set()
        worker.join(10)
    assert not worker.is_alive()
    (arrived,) = read_maildir(tmp_path / "mail")
    assert arrived["To"] == "ada@example.test"
    assert arrived["Subject"] == "[Board game] Read me"
