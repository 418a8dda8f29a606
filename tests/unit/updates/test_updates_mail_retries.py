"""Which failed mail is tried again, and when: one rule for update mail and account mail."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.updates.mail.retries import judge
from services.updates.settings import UpdatesSettings

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
SETTINGS = UpdatesSettings(
    public_url="https://updates.example",
    smtp_url="",
    maildir=Path("mail"),
    mail_from="Fundtrail <updates@example.test>",
    unsubscribe_key_file=Path("key"),
    mail_max_attempts=4,
    mail_retry_base=30.0,
    mail_retry_max=100.0,
)


def refused(code: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({"ada@example.test": (code, b"ada@example.test busy")})


@pytest.mark.parametrize(
    ("attempts", "wait"), [(1, 30.0), (2, 60.0), (3, 100.0)]
)  # doubling, up to the maximum
def test_a_busy_server_is_tried_again_later_and_later(attempts: int, wait: float) -> None:
    failure = judge(smtplib.SMTPDataError(451, b"busy"), attempts, SETTINGS, NOW)
    assert failure.retry_at == NOW + timedelta(seconds=wait)
    assert failure.error == "SMTPDataError 451"


def test_after_its_last_try_a_message_is_given_up() -> None:
    failure = judge(ConnectionRefusedError(), SETTINGS.mail_max_attempts, SETTINGS, NOW)
    assert failure.retry_at is None and failure.error == "ConnectionRefusedError"


def test_a_refused_recipient_is_retried_only_when_the_refusal_is_temporary() -> None:
    assert judge(refused(450), 1, SETTINGS, NOW).retry_at is not None
    gone = judge(refused(550), 1, SETTINGS, NOW)
    assert gone.retry_at is None
    # The kind and code only: the server's words repeat the address.
    assert gone.error == "SMTPRecipientsRefused 550"


def test_a_failure_of_our_own_does_not_mend_with_time() -> None:
    assert judge(ValueError("bad header"), 1, SETTINGS, NOW).retry_at is None
