"""The sender: drains the mail outbox in the updates worker, retrying failures with backoff.

It runs as a background job of the worker (`UpdatesDependencies.background_jobs`), a thread
beside the outbox relay and the consumer, so neither a request nor the consumer ever waits for
a mail server. Each round sends for at most `round_seconds`, so a stop request is heard soon.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime

from services.updates.adapters.mail import LEASE, MailQueue, QueuedMail
from services.updates.mail.fanout import Composer, Outgoing, UpdateMessages, outgoing
from services.updates.mail.messages import Notification
from services.updates.mail.retries import judge
from services.updates.mail.tokens import UnsubscribeTokens
from services.updates.mail.transports import Mailer
from services.updates.settings import UpdatesSettings
from shared.logging import get_logger

log = get_logger(__name__)


class MailSender:
    def __init__(
        self,
        queue: MailQueue,
        mailer: Mailer,
        tokens: UnsubscribeTokens,
        settings: UpdatesSettings,
        clock: Callable[[], datetime],
        *,
        round_seconds: float = 5.0,
    ) -> None:
        self._queue = queue
        self._mailer = mailer
        self._tokens = tokens
        self._settings = settings
        self._clock = clock
        self._round_seconds = round_seconds

    def run_round(self) -> int:
        """Send due batches until none is left or the round's time is up; how many were sent."""
        deadline = time.monotonic() + self._round_seconds
        sent = 0
        while time.monotonic() < deadline:
            handled, delivered = self.send_batch()
            sent += delivered
            if handled < self._settings.mail_batch_size:
                break
        return sent

    def send_batch(self) -> tuple[int, int]:
        """Claim one batch of due messages and try each: (how many were claimed, delivered)."""
        now = self._clock()
        batch = self._queue.claim_due(now, self._settings.mail_batch_size, now + LEASE)
        delivered: list[int] = []
        dropped: list[int] = []
        # One composer per update and language in the batch: each one's parts are built once.
        composers: dict[tuple[uuid.UUID, str], Composer] = {}
        for mail in batch:
            if mail.unsubscribed or mail.email is None:
                dropped.append(mail.id)
                continue
            try:
                notification = self.notification(mail)
                key = (mail.update.update_id, mail.language)
                composer = composers.get(key)
                if composer is None:
                    composer = composers[key] = self.composer(notification, now)
                self._mailer.send(composer.message(notification))
            except Exception as exc:  # noqa: BLE001  (one bad message must not stop the rest)
                self._failed(mail, exc)
            else:
                delivered.append(mail.id)
        # Recorded after the sends, in one short transaction each: no lock is held while a
        # mail server takes its time. Should this fail, the lease runs out and the rows go
        # again: at least once, with the same Message-ID.
        self._queue.mark_sent(delivered, self._clock())
        self._queue.mark_dropped(dropped, "unsubscribed or no address")
        if batch:
            log.info("mail.batch", claimed=len(batch), sent=len(delivered), dropped=len(dropped))
        return len(batch), len(delivered)

    def composer(self, first: Notification, now: datetime) -> Composer:
        """What makes the messages of `first`'s update in one batch."""
        return UpdateMessages(first, self._settings.mail_from, now)

    def message(self, mail: QueuedMail, now: datetime) -> Outgoing:
        """One queued message as it goes out (alone: `send_batch` shares the work of a batch)."""
        return outgoing(self.notification(mail), self._settings.mail_from, now)

    def notification(self, mail: QueuedMail) -> Notification:
        update = mail.update
        token = self._tokens.make(mail.account_id, update.campaign_id)
        assert mail.email is not None
        return Notification(
            update_id=update.update_id,
            account_id=mail.account_id,
            campaign_id=update.campaign_id,
            to=mail.email,
            campaign_title=update.campaign_title,
            title=update.title,
            body_html=update.body_html,
            url=update.url,
            test_mode=update.test_mode,
            language=mail.language,
            unsubscribe_url=f"{self._settings.public_url}/unsubscribe/{token}",
        )

    def _failed(self, mail: QueuedMail, exc: Exception) -> None:
        failure = judge(exc, mail.attempts, self._settings, self._clock())
        fields = {"outbox_id": mail.id, "update_id": str(mail.update.update_id)}
        if failure.retry_at is None:
            log.error("mail.given_up", attempts=mail.attempts, error=failure.error, **fields)
        else:
            log.warning(
                "mail.retry",
                attempts=mail.attempts,
                retry_in=failure.wait,
                error=failure.error,
                **fields,
            )
        self._queue.mark_failed(mail.id, failure.error, failure.retry_at)
