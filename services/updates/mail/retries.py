"""When a mail that failed is tried again, for both mail queues (update mail, account mail)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.updates.mail.transports import TRANSIENT_ERRORS
from services.updates.settings import UpdatesSettings


@dataclass(frozen=True)
class Failure:
    """What a failed try means for its row."""

    #: The error's kind and SMTP code only: a server's text often repeats the address.
    error: str
    #: When to try again; None to give up (the row is kept, marked failed).
    retry_at: datetime | None
    #: Seconds until `retry_at`, for the log.
    wait: float | None = None


def judge(exc: Exception, attempts: int, settings: UpdatesSettings, now: datetime) -> Failure:
    """Retry `exc` after a backoff, or give up: on a 5xx refusal (no such mailbox) or a failure
    of our own, which will not mend with time, or after the configured number of tries."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {c for c, _ in exc.recipients.values()}
        code = min(codes) if codes else None
    error = type(exc).__name__ + (f" {code}" if code else "")
    permanent = not isinstance(exc, TRANSIENT_ERRORS) or (code is not None and code >= 500)
    if permanent or attempts >= settings.mail_max_attempts:
        return Failure(error, None)
    wait = min(settings.mail_retry_base * 2 ** (attempts - 1), settings.mail_retry_max)
    return Failure(error, now + timedelta(seconds=wait), wait)
