"""E-mail fan-out of one update to a campaign's backers, per second: the updates service's path
(queue in the consumer's transaction, then the sender drains the mail outbox: claim, compose,
send, mark) to a Maildir and over SMTP to a local aiosmtpd, against raw sends of the very same
message bytes (`mailbox.Maildir.add`, and `smtplib.SMTP.sendmail` on one connection) in the same
run; and, for the same run's before/after, the same path composing every message with the email
package (what the sender did before it built each update's parts once per batch). SQLite:

    python -m bench updates_mail --backers 10000
"""

from __future__ import annotations

import asyncio
import mailbox
import smtplib
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from bench.common import (
    Measurement,
    Timing,
    machine_description,
    results_table,
    timed,
    with_ratios,
    write_results,
)
from services.updates.adapters.mail import MailQueue
from services.updates.bootstrap import UpdatesDependencies, bootstrap
from services.updates.mail import handlers
from services.updates.mail.fanout import Composer, Outgoing, outgoing
from services.updates.mail.messages import Notification
from services.updates.mail.sender import MailSender
from services.updates.mail.transports import MaildirMailer, Mailer, SmtpMailer
from shared.auth import load_or_create_signing_key
from shared.events.catalog import UpdatePublished
from shared.migrations import upgrade

NAME = "updates_mail"
BODY = "<p>" + "The boxes are printed and <strong>ship on Monday</strong>. " * 8 + "</p>"


class Counter:
    """An aiosmtpd handler that accepts everything and counts it."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received += 1
        return "250 OK"


def make_dependencies(var_dir: Path) -> UpdatesDependencies:
    database_url = f"sqlite:///{var_dir / 'updates.db'}"
    upgrade("updates", database_url)
    keys = var_dir / "keys"
    load_or_create_signing_key(keys / "token-signing.key", keys / "token-signing.pub")
    return bootstrap({"database_url": database_url, "var_dir": var_dir})


def add_backers(dependencies: UpdatesDependencies, campaign_id: uuid.UUID, count: int) -> None:
    """The campaign, and `count` backers with addresses (set up directly: not measured)."""
    tables, now = dependencies.tables, datetime.now(UTC)
    backers = [uuid.uuid4() for _ in range(count)]
    with dependencies.engine.begin() as connection:
        connection.execute(
            tables["campaigns"].insert().values(
                id=campaign_id, creator_id=uuid.uuid4(), title="Board game", status="live",
                updated_at=now, goal_amount=100_000, currency="EUR",
            )
        )  # fmt: skip
        connection.execute(
            tables["backer_pledges"].insert(),
            [
                {"pledge_id": uuid.uuid4(), "campaign_id": campaign_id, "backer_id": b,
                 "status": "pledged", "amount": 5_000, "updated_at": now}
                for b in backers
            ],
        )  # fmt: skip
        connection.execute(
            tables["mail_addresses"].insert(),
            [{"account_id": b, "email": f"backer-{n}@example.test", "updated_at": now}
             for n, b in enumerate(backers)],
        )  # fmt: skip
        connection.execute(
            tables["mail_confirmed_accounts"].insert(),
            [{"account_id": b, "confirmed_at": now} for b in backers],
        )  # fmt: skip


def published(campaign_id: uuid.UUID) -> UpdatePublished:
    update_id = uuid.uuid4()
    return UpdatePublished(
        event_id=uuid.uuid4(), occurred_at=datetime.now(UTC), campaign_id=campaign_id,
        update_id=update_id, url=f"http://127.0.0.1:8003/api/v1/updates/{update_id}",
        kind="manual", visibility="public", title="Shipping", body_html=BODY,
        published_at=datetime.now(UTC),
    )  # fmt: skip


class EachComposed:
    """The sender's composing before: every message built whole by the email package."""

    def __init__(self, mail_from: str, sent_at: datetime) -> None:
        self._mail_from, self._sent_at = mail_from, sent_at

    def message(self, n: Notification) -> Outgoing:
        return outgoing(n, self._mail_from, self._sent_at)


class ComposingEach(MailSender):
    def composer(self, first: Notification, now: datetime) -> Composer:
        return EachComposed(self._settings.mail_from, now)


def fan_out(
    dependencies: UpdatesDependencies,
    mailer: Mailer,
    campaign_id: uuid.UUID,
    sender_class: type[MailSender] = MailSender,
) -> tuple[Timing, uuid.UUID]:
    """One update, queued for every backer then sent: the whole path, timed."""
    sender = sender_class(
        MailQueue(dependencies.engine), mailer, dependencies.unsubscribe_tokens,
        dependencies.updates_settings, dependencies.clock, round_seconds=3600,
    )  # fmt: skip
    event = published(campaign_id)
    with timed() as timing:
        with dependencies.uow_factory() as uow:
            handlers.on_update_published(
                event, uow, dependencies.clock, dependencies.updates_settings
            )
            uow.commit()
        while sender.send_batch()[0]:
            pass
    return timing, event.update_id


def composed(dependencies: UpdatesDependencies, update_id: uuid.UUID) -> list[Outgoing]:
    """The messages of one update, composed as the sender composed them (not timed)."""
    sender = MailSender(
        MailQueue(dependencies.engine), MaildirMailer(dependencies.updates_settings.maildir),
        dependencies.unsubscribe_tokens, dependencies.updates_settings, dependencies.clock,
    )  # fmt: skip
    queue = MailQueue(dependencies.engine)
    outbox = dependencies.tables["mail_outbox"]
    now = datetime.now(UTC)
    with dependencies.engine.begin() as connection:  # due again, just to read them back
        connection.execute(
            outbox.update()
            .where(outbox.c.update_id == update_id)
            .values(status="pending", next_try_at=now)
        )
    mails = queue.claim_due(now, 10**9, now)
    first = sender.notification(mails[0])
    composer = sender.composer(first, now)
    return [composer.message(sender.notification(mail)) for mail in mails]


def raw_smtp(port: int, messages: list[Outgoing]) -> Timing:
    wire = [(m.mail_from, m.to, m.data.replace(b"\n", b"\r\n")) for m in messages]
    with timed() as timing, smtplib.SMTP("127.0.0.1", port) as connection:
        for mail_from, to, data in wire:
            connection.sendmail(mail_from, [to], data)
    return timing


def raw_maildir(path: Path, messages: list[Outgoing]) -> Timing:
    box = mailbox.Maildir(path, create=True)
    with timed() as timing:
        for message in messages:
            box.add(message.data)
    return timing


def run(backers: int, repeats: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    from infra.kafka.client import find_free_port

    asyncio.set_event_loop_policy(None)
    with tempfile.TemporaryDirectory(prefix="fundtrail-bench-mail-") as scratch:
        var_dir = Path(scratch)
        dependencies = make_dependencies(var_dir)
        campaign_id = uuid.uuid4()
        add_backers(dependencies, campaign_id, backers)
        counter, port = Counter(), find_free_port()
        controller = Controller(counter, hostname="127.0.0.1", port=port)
        controller.start()
        smtp = SmtpMailer(f"smtp://127.0.0.1:{port}")
        names = ("fm", "fs", "bm", "bs", "rm", "rs")
        timings: dict[str, list[Timing]] = {name: [] for name in names}
        try:
            for repeat in range(repeats):
                maildir = MaildirMailer(var_dir / f"mail-{repeat}")
                timing, _ = fan_out(dependencies, maildir, campaign_id)
                timings["fm"].append(timing)
                timing, update_id = fan_out(dependencies, smtp, campaign_id)
                timings["fs"].append(timing)
                before = MaildirMailer(var_dir / f"before-{repeat}")
                timings["bm"].append(fan_out(dependencies, before, campaign_id, ComposingEach)[0])
                timings["bs"].append(fan_out(dependencies, smtp, campaign_id, ComposingEach)[0])
                messages = composed(dependencies, update_id)
                assert len(messages) == backers, len(messages)
                timings["rm"].append(raw_maildir(var_dir / f"raw-{repeat}", messages))
                timings["rs"].append(raw_smtp(port, messages))
        finally:
            smtp.close()
            controller.stop()
        expected = backers * repeats * 3
        assert counter.received == expected, (counter.received, expected)
        machine = machine_description(None, var_dir)
    measurements = [
        Measurement("raw Maildir.add", backers, tuple(timings["rm"]), "ceiling"),
        Measurement("fan-out to Maildir", backers, tuple(timings["fm"]), "plumbing",
                    baseline="raw Maildir.add"),
        Measurement("fan-out to Maildir, composing each (before)", backers,
                    tuple(timings["bm"]), "plumbing", baseline="raw Maildir.add"),
        Measurement("raw smtplib, 1 connection", backers, tuple(timings["rs"]), "ceiling"),
        Measurement("fan-out over SMTP", backers, tuple(timings["fs"]), "plumbing",
                    baseline="raw smtplib, 1 connection"),
        Measurement("fan-out over SMTP, composing each (before)", backers,
                    tuple(timings["bs"]), "plumbing", baseline="raw smtplib, 1 connection"),
    ]  # fmt: skip
    return {
        "benchmark": NAME,
        "backers": backers,
        "repeats": repeats,
        "started_at": datetime.now(UTC).isoformat(),
        "machine": machine,
        "results": with_ratios(measurements),
    }


@click.command(NAME)
@click.option("--backers", default=10_000, type=click.IntRange(min=1), show_default=True,
              help="Backers of the campaign: messages per update.")  # fmt: skip
@click.option("--repeats", default=3, type=click.IntRange(min=1), show_default=True)
def command(backers: int, repeats: int) -> None:
    """E-mails per second of one update's fan-out, against raw Maildir and smtplib sends."""
    document = run(backers, repeats)
    click.echo(results_table(document["results"]))
    click.echo(f"results: {write_results(NAME, document)}")


if __name__ == "__main__":
    command()
