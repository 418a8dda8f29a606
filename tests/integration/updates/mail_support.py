"""Helpers for the e-mail tests: a real in-process SMTP server, events, a sender on a clock."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import flask
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from infra.kafka.client import find_free_port
from services.updates.adapters.mail import MailQueue
from services.updates.mail.sender import MailSender
from shared.consumer import Outcome
from shared.events import Envelope, encode, new_envelope
from tests.factories import consume, make_app, set_clock
from tests.integration.ledger.ledger_support import campaign_event

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class SmtpInbox:
    """An aiosmtpd handler keeping what arrives; `refuse` answers that many DATA with 451."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refuse = 0
        self.port = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self._lock:
            if self.refuse > 0:
                self.refuse -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append(message)  # type: ignore[arg-type]
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture(name="smtp_inbox")
def smtp_inbox_fixture() -> Iterator[SmtpInbox]:
    """A real SMTP server on localhost, in a thread of this process."""
    inbox = SmtpInbox()
    inbox.port = find_free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@dataclass
class Clock:
    """A clock a test moves by hand, from the real now (messages are queued on the real clock)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Campaign:
    """One campaign in an updates app, with backers known by their addresses."""

    app: flask.Flask
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    creator_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        launched = campaign_event("campaign.launched", self.id, self.creator_id, occurred_at=T0)
        assert deliver(self.app, launched).status == "handled"

    def backer(self, email: str | None, *then: str, confirmed: bool = True) -> uuid.UUID:
        """A new account (with `email`, or none; proven unless not `confirmed`) that pledges to
        the campaign; its pledge then goes through the event types `then` (`pledge.released`)."""
        account_id, pledge_id = new_account(self.app, email, confirmed=confirmed), uuid.uuid4()
        for minutes, event_type in enumerate(("pledge.created", *then)):
            event = pledge(event_type, self.id, account_id, pledge_id, minutes)
            assert deliver(self.app, event).status == "handled"
        return account_id

    def publish(
        self,
        visibility: str = "public",
        kind: str = "manual",
        title: str = "News",
        body_html: str = "<p>Boxes are <strong>out</strong>.</p>",
    ) -> Envelope:
        """The updates service's own `update.published`, heard back as its worker would."""
        update_id = uuid.uuid4()
        envelope = new_envelope(
            "update.published",
            {
                "campaign_id": self.id,
                "update_id": update_id,
                "url": f"http://127.0.0.1:8003/api/v1/updates/{update_id}",
                "kind": kind,
                "visibility": visibility,
                "title": title,
                "body_html": body_html,
                "published_at": T0,
            },
            producer="updates",
            campaign_id=self.id,
        )
        assert deliver(self.app, envelope, "updates.events").status == "handled"
        return envelope


def pledge(
    event_type: str,
    campaign_id: uuid.UUID,
    backer_id: uuid.UUID,
    pledge_id: uuid.UUID | None = None,
    minutes: int = 0,
) -> Envelope:
    """A pledge event of `backer_id`'s, `minutes` after T0."""
    payload: dict[str, Any] = {
        "campaign_id": campaign_id,
        "pledge_id": pledge_id or uuid.uuid4(),
        "backer_id": backer_id,
        "amount": 5_000,
        "currency": "EUR",
        "tier_id": None,
    }
    if event_type in ("pledge.collected", "pledge.released"):
        payload["payment_reference"] = f"pay-{uuid.uuid4().hex[:8]}"
    return new_envelope(
        event_type,
        payload,
        producer="pledges",
        campaign_id=campaign_id,
        occurred_at=T0 + timedelta(minutes=minutes),
    )


def new_account(
    app: flask.Flask,
    email: str | None,
    role: str = "backer",
    *,
    confirmed: bool = True,
    language: str = "en",
) -> uuid.UUID:
    """An account as the pledges service announces it; with an address proven (its link
    followed) unless not `confirmed`."""
    account_id = uuid.uuid4()
    created = new_envelope(
        "account.created",
        {
            "account_id": account_id,
            "role": role,
            "name": "Ada",
            "email": email,
            "language": language,
        },
        producer="pledges",
        campaign_id=None,
    )
    assert deliver(app, created, "accounts.events").status == "handled"
    if email is not None and confirmed:
        confirm_address(app, account_id)
    return account_id


def confirm_address(app: flask.Flask, account_id: uuid.UUID) -> None:
    """The pledges service's word that `account_id`'s address is proven."""
    verified = new_envelope(
        "account.email_verified", {"account_id": account_id}, producer="pledges", campaign_id=None
    )
    assert deliver(app, verified, "accounts.events").status == "handled"


def deliver(app: flask.Flask, envelope: Envelope, topic: str = "pledges.events") -> Outcome:
    return consume(app, encode(envelope), topic)


def mail_app(database_url: str, var_dir: Path, **mail_settings: Any) -> flask.Flask:
    return make_app("updates", database_url, var_dir, extra=mail_settings)


def sender(app: flask.Flask, clock: Clock) -> MailSender:
    """The worker's mail sender on the app's composition root, on a test's clock (which the
    app's handlers then queue messages on too)."""
    set_clock(app, clock)
    dependencies = app.extensions["fundtrail"]
    return MailSender(
        MailQueue(dependencies.engine),
        dependencies.mailer,
        dependencies.unsubscribe_tokens,
        dependencies.updates_settings,
        clock,
    )


def outbox_rows(app: flask.Flask) -> list[dict[str, Any]]:
    """The mail outbox, oldest first."""
    dependencies = app.extensions["fundtrail"]
    table = dependencies.tables["mail_outbox"]
    with dependencies.engine.connect() as connection:
        rows = connection.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    return [dict(row) for row in rows]


def count(app: flask.Flask, table_name: str) -> int:
    dependencies = app.extensions["fundtrail"]
    table = dependencies.tables[table_name]
    with dependencies.engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def unsubscribe_path(message: EmailMessage) -> str:
    """The path of the message's one-click link (`<http://host/unsubscribe/…>`)."""
    link = str(message["List-Unsubscribe"]).strip("<>")
    return "/" + link.split("/", 3)[3]
