"""The updates service's own settings: its public address, and how it sends e-mail.

Defaults, then environment variables, then `Settings.extra` (a test's overrides); nothing is
read at import time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from environs import Env

from shared.config import Settings

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8003"
DEFAULT_MAIL_FROM = "Fundtrail <updates@fundtrail.local>"
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class UpdatesSettings:
    """What the updates service needs beyond the settings every service shares."""

    #: Where people reach the updates service: the base of the unsubscribe links in e-mails (no
    #: trailing `/`). RFC 8058 wants HTTPS in production.
    public_url: str
    #: `smtp://user:pass@host:587` (STARTTLS), `smtps://…:465` (implicit TLS), or empty: then
    #: each message is written to the Maildir `maildir` for a person to read.
    smtp_url: str
    maildir: Path
    #: The From of every notification.
    mail_from: str
    #: The HMAC key that signs unsubscribe tokens; made on first run.
    unsubscribe_key_file: Path
    #: How often a message is tried before the sender gives up on it (the row is kept).
    mail_max_attempts: int = 8
    #: The first retry's wait in seconds; each further one doubles, up to `mail_retry_max`.
    mail_retry_base: float = 30.0
    mail_retry_max: float = 3600.0
    #: How long the sender sleeps when nothing is due, in seconds.
    mail_poll_interval: float = 1.0
    #: How many messages the sender claims at once.
    mail_batch_size: int = 100
    #: The site for people (`SITE_PUBLIC_URL`): the base of the links in account mail
    #: (`/verify?token=…`, `/reset-password?token=…`), no trailing `/`.
    site_url: str = DEFAULT_SITE_URL
    #: The comment rate limit: at most this many comments per account in any window ...
    comment_rate_count: int = 5
    #: ... of this many seconds (counted in the database, so it holds across processes).
    comment_rate_window: float = 60.0
    #: `FUNDTRAIL_PAYMENTS_LIVE`: set it to true beside the pledges service's Stripe keys once
    #: settlement charges cards. False (the default): account mail says that no money moves.
    payments_live: bool = False
    #: Where the pictures of updates are kept (`UPDATES_IMAGES_DIR`), a folder per campaign.
    images_dir: Path = Path("var/update-images")

    @classmethod
    def load(cls, settings: Settings) -> UpdatesSettings:
        env = Env()
        var_dir = settings.var_dir
        values: dict[str, Any] = {
            "public_url": env.str("UPDATES_PUBLIC_URL", DEFAULT_PUBLIC_URL),
            "smtp_url": env.str("SMTP_URL", ""),
            "maildir": env.path("UPDATES_MAILDIR", var_dir / "mail"),
            "mail_from": env.str("UPDATES_MAIL_FROM", DEFAULT_MAIL_FROM),
            "unsubscribe_key_file": env.path(
                "UPDATES_UNSUBSCRIBE_KEY_FILE", var_dir / "keys" / "updates-unsubscribe.key"
            ),
            "mail_max_attempts": env.int("UPDATES_MAIL_MAX_ATTEMPTS", 8),
            "mail_retry_base": env.float("UPDATES_MAIL_RETRY_SECONDS", 30.0),
            "mail_retry_max": env.float("UPDATES_MAIL_RETRY_MAX_SECONDS", 3600.0),
            "mail_poll_interval": env.float("UPDATES_MAIL_POLL_SECONDS", 1.0),
            "mail_batch_size": env.int("UPDATES_MAIL_BATCH_SIZE", 100),
            "comment_rate_count": env.int("UPDATES_COMMENT_RATE_COUNT", 5),
            "comment_rate_window": env.float("UPDATES_COMMENT_RATE_WINDOW_SECONDS", 60.0),
            "site_url": env.str("SITE_PUBLIC_URL", DEFAULT_SITE_URL),
            "payments_live": env.bool("FUNDTRAIL_PAYMENTS_LIVE", False),
            "images_dir": env.path("UPDATES_IMAGES_DIR", var_dir / "update-images"),
        }
        values.update({k: v for k, v in settings.extra.items() if k in values})
        for name in ("maildir", "unsubscribe_key_file", "images_dir"):
            values[name] = Path(values[name])
        # Links are built as `public_url + "/unsubscribe/..."`: one trailing slash would double.
        values["public_url"] = str(values["public_url"]).rstrip("/")
        values["site_url"] = str(values["site_url"]).rstrip("/")
        loaded = cls(**values)
        if not loaded.public_url.startswith(("http://", "https://")):
            raise ValueError("UPDATES_PUBLIC_URL must be an http:// or https:// URL")
        if loaded.smtp_url and not loaded.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError("SMTP_URL must be an smtp:// or smtps:// URL")
        if loaded.mail_max_attempts < 1 or loaded.mail_batch_size < 1:
            raise ValueError("UPDATES_MAIL_MAX_ATTEMPTS and UPDATES_MAIL_BATCH_SIZE must be >= 1")
        if loaded.mail_retry_base < 0 or loaded.mail_retry_max < loaded.mail_retry_base:
            raise ValueError("mail retry waits must be >= 0, the maximum above the first")
        if loaded.comment_rate_count < 1 or loaded.comment_rate_window <= 0:
            raise ValueError("the comment rate limit needs a count >= 1 and a window > 0")
        return loaded
