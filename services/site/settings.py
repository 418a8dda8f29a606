"""The site's settings: the services' base URLs, its session secret, where people reach it.

Defaults, then `SITE_*` environment variables, then a test's overrides; nothing read at import.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from environs import Env
from marshmallow.validate import Range

PORT = 8000
#: The payment provider's hosted pages the site sends people to from a form (Stripe Checkout
#: to save a card, Connect onboarding to set up payouts): the CSP's `form-action` must allow
#: them, or the browser stops the redirect after the form is sent.
DEFAULT_PAYMENT_PAGES = ("https://checkout.stripe.com", "https://connect.stripe.com")
#: One CSP host source: https, a host (its leftmost label may be `*`), an optional port. Nothing
#: else may reach the header: a `;` or a quote would add a directive or a keyword.
_PAYMENT_PAGE = re.compile(r"https://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:[0-9]{1,5})?")
#: The WSGI app for gunicorn, as `module:callable()` (like `ServiceSpec.app_factory`).
APP_FACTORY = "services.site.app:create_app()"


@dataclass(frozen=True)
class SiteSettings:
    """Everything the site needs to know about its surroundings."""

    #: Base URLs the site calls the services at (no trailing `/`).
    pledges_url: str
    ledger_url: str
    updates_url: str
    #: Where people's browsers reach the ledger: the base of download links (export, key).
    ledger_public_url: str
    #: Where people reach the site; `https://…` makes the session cookie Secure.
    public_url: str
    #: Encrypts the session cookie; made on first run under var/keys/ unless given. The key file
    #: may hold more secrets, one a line: the first is this one, the rest `previous_secret_keys`.
    secret_key: bytes
    #: Seconds to wait for a service before showing the "unavailable" page.
    timeout: float = 5.0
    #: `console` or `json` logs.
    log_format: str = "console"
    #: How many proxies in front of the site append to `X-Forwarded-For`: the client address
    #: is the one the outermost of them saw. 0 (no proxy): a visitor's own header is ignored.
    trusted_proxy_hops: int = 0
    #: Secrets being rotated out: cookies made with them still open until they expire.
    previous_secret_keys: tuple[bytes, ...] = ()
    #: Origins of the payment provider's pages that a form may lead to (`SITE_PAYMENT_PAGES`,
    #: space-separated): Stripe's own, or a custom domain for Checkout, or a mock's.
    payment_pages: tuple[str, ...] = DEFAULT_PAYMENT_PAGES
    #: Where share cards are kept, named by what they show (`SITE_CARD_CACHE_DIR`).
    card_cache_dir: Path = Path("var/card-cache")
    #: Share cards a process draws at once (`SITE_CARD_MAX_RENDERS`); more wait, then get 503.
    card_max_renders: int = 2

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    @classmethod
    def load(cls, overrides: dict[str, Any] | None = None) -> SiteSettings:
        env = Env()
        overrides = dict(overrides or {})
        var_dir = Path(overrides.pop("var_dir", None) or env.str("FUNDTRAIL_VAR_DIR", "var"))
        with env.prefixed("SITE_"):
            ledger_url = env.str("LEDGER_URL", "http://127.0.0.1:8002").rstrip("/")
            values: dict[str, Any] = dict(
                pledges_url=env.str("PLEDGES_URL", "http://127.0.0.1:8001").rstrip("/"),
                ledger_url=ledger_url,
                updates_url=env.str("UPDATES_URL", "http://127.0.0.1:8003").rstrip("/"),
                ledger_public_url=env.str("LEDGER_PUBLIC_URL", ledger_url).rstrip("/"),
                public_url=env.str("PUBLIC_URL", f"http://127.0.0.1:{PORT}").rstrip("/"),
                timeout=env.float("TIMEOUT", 5.0),
                trusted_proxy_hops=env.int("TRUSTED_PROXY_HOPS", 0, validate=Range(min=0)),
                payment_pages=env.str("PAYMENT_PAGES", " ".join(DEFAULT_PAYMENT_PAGES)),
                card_cache_dir=env.path("CARD_CACHE_DIR", var_dir.absolute() / "card-cache"),
                card_max_renders=env.int("CARD_MAX_RENDERS", 2, validate=Range(min=1)),
            )
            secret_file = env.path("SECRET_KEY_FILE", var_dir.absolute() / "keys" / "site.key")
        values["log_format"] = env.str("FUNDTRAIL_LOG_FORMAT", "console")
        values.update(overrides)
        values["payment_pages"] = _payment_pages(values["payment_pages"])
        if "secret_key" not in values:
            current, *previous = load_or_create_secret(secret_file).split()
            values["secret_key"] = current
            values.setdefault("previous_secret_keys", tuple(previous))
        return cls(**values)


def _payment_pages(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    pages = tuple(value.split() if isinstance(value, str) else value)
    for page in pages:
        if not _PAYMENT_PAGE.fullmatch(page):
            raise ValueError(
                "SITE_PAYMENT_PAGES must be https:// origins separated by spaces "
                f"(https://checkout.stripe.com), not {page!r}"
            )
    return pages


def load_or_create_secret(path: Path) -> bytes:
    """The secrets in `path` (one a line), a new one created (mode 0600) on first run.

    When several processes start together each writes a whole secret to a file of its own and
    hard-links it to `path`, which only the first link makes: everyone then reads the winner's
    secret, never a file still being written.
    """
    found = _read_secret(path)
    if found is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp makes the file 0600, readable by this user alone, before the secret is in it.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(secrets.token_hex(32).encode() + b"\n")
                file.flush()
                os.fsync(file.fileno())
            with contextlib.suppress(FileExistsError):  # another process was first: theirs
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
        found = _read_secret(path)
    if not found:
        raise ValueError(f"the site's secret file {path} is empty: delete it to make a new one")
    return found


def _read_secret(path: Path) -> bytes | None:
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        return None
