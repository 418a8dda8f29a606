"""R11: the SMTP server is dead, then slow; update mail waits, is retried, and arrives once.

The updates worker's sender drains the mail outbox; what the server does to it here: refuse
connections (nothing listens on its port), then answer so slowly that the sender's timeout
ends the conversation before the message is handed over, then answer slowly but in time.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from aiosmtpd.controller import Controller

from infra.kafka.client import find_free_port
from services.updates.mail.transports import SmtpMailer
from tests.faults.fault_support import lost_and_duplicated
from tests.integration.updates.mail_support import (
    Campaign,
    Clock,
    SmtpInbox,
    mail_app,
    outbox_rows,
    sender,
)

ADDRESSES = [f"backer{i}@example.test" for i in range(3)]
#: The sender's patience in this test (production's is 30 s): a stall longer than it is a
#: server too slow to use; a shorter one is merely slow.
TIMEOUT = 2.0


class SlowInbox(SmtpInbox):
    """An inbox whose server stalls at MAIL FROM: `stalls` times for `stall` seconds, then for
    `delay` seconds each time. A stall comes before the message is handed over, so a client
    that gave up has certainly not delivered it."""

    def __init__(self) -> None:
        super().__init__()
        self.stalls = 0
        self.stall = 0.0
        self.delay = 0.0

    async def handle_MAIL(  # noqa: N802  (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.stalls > 0:
            self.stalls -= 1
            await asyncio.sleep(self.stall)
        else:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


@pytest.fixture
def port() -> int:
    return find_free_port()


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path, port: int) -> Iterator[flask.Flask]:
    app = mail_app(
        sqlite_url,
        tmp_path,
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_from="Fundtrail <updates@fundtrail.test>",
        mail_retry_base=30.0,
        mail_max_attempts=8,
    )
    dependencies = app.extensions["fundtrail"]
    mailer = SmtpMailer(f"smtp://127.0.0.1:{port}", timeout=TIMEOUT)
    app.extensions["fundtrail"] = dataclasses.replace(dependencies, mailer=mailer)
    yield app
    mailer.close()
    dependencies.engine.dispose()


def test_r11_a_dead_then_slow_smtp_server_delays_mail_but_loses_and_doubles_none(
    app: flask.Flask, port: int, report: Callable[..., Any]
) -> None:
    campaign = Campaign(app)
    for address in ADDRESSES:
        campaign.backer(address)
    campaign.publish()
    clock = Clock()
    send = sender(app, clock)
    faults = 0

    # Dead: nothing listens. Every message waits for its retry; nobody waited for the server.
    assert send.send_batch() == (3, 0)
    faults += 3
    assert {(r["status"], r["attempts"]) for r in outbox_rows(app)} == {("pending", 1)}
    assert send.send_batch() == (0, 0)  # not due yet

    inbox = SlowInbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        # Too slow: each conversation stalls past the sender's timeout, before the message is
        # handed over. The rows go back to wait, with the timeout as their error.
        inbox.stalls, inbox.stall = 3, TIMEOUT * 2.5
        clock.advance(seconds=30)
        assert send.send_batch() == (3, 0)
        faults += 3
        rows = outbox_rows(app)
        assert {(r["status"], r["attempts"]) for r in rows} == {("pending", 2)}
        assert {r["last_error"] for r in rows} <= {"TimeoutError", "SMTPServerDisconnected"}

        # Slow but in time: delivered, once each.
        inbox.delay = TIMEOUT / 4
        clock.advance(seconds=60)
        assert send.send_batch() == (3, 3)
        clock.advance(hours=2)
        assert send.send_batch() == (0, 0)  # nothing is left to send again
    finally:
        controller.stop()

    assert {(r["status"], r["attempts"]) for r in outbox_rows(app)} == {("sent", 3)}
    received = [str(m["To"]) for m in inbox.messages]
    lost, duplicated = lost_and_duplicated(ADDRESSES, received)
    message_ids = [str(m["Message-ID"]) for m in inbox.messages]
    report(
        11,
        "slow or dead SMTP server",
        produced=len(ADDRESSES),
        faults=faults,
        lost=lost,
        duplicated=duplicated + len(message_ids) - len(set(message_ids)),
    )
