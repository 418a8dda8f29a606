"""Service settings: defaults, then environment variables, then a test's overrides.

Nothing is read at import time: `Settings.load()` reads the environment when an app or a worker
is built, so tests can set their own values first.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from environs import Env

from shared.auth import DEFAULT_TOKEN_LIFETIME, check_lifetime, parse_duration

SERVICES = ("pledges", "ledger", "updates")


@dataclass(frozen=True)
class Settings:
    """Everything one service process needs to know about its surroundings."""

    service: str
    #: SQLAlchemy URL of this service's own database.
    database_url: str
    #: Comma-separated `host:port` list of the Kafka cluster.
    kafka_bootstrap_servers: str
    #: Folder for local state: SQLite files, keys, receipts.
    var_dir: Path
    #: Ed25519 private key that signs API tokens (only the pledges service needs it).
    token_signing_key_file: Path
    #: The verifier half of the token key (base64 of the raw 32-byte public key). When empty the
    #: ledger and updates read it from `public_key_file`; they never read the private key.
    token_public_key: str
    #: How often a message may fail processing before it is sent to the dead-letter topic.
    consumer_max_attempts: int
    #: `json` for production logs, `console` for people.
    log_format: str
    #: Consumer group id prefix; each service consumes as `<prefix>.<service>`.
    consumer_group_prefix: str
    #: Where the pledges service writes, and the others read, the public token key; None means
    #: `<var_dir>/keys/token-signing.pub` (see `public_key_file`).
    token_public_key_file: Path | None = None
    #: How long a token lives when its issuer names no lifetime (pledges only).
    token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
    #: Addresses of proxies whose `X-Forwarded-For` is believed (the site, calling on behalf of
    #: people): rate limits then count the person, not the proxy. Empty by default: nobody's
    #: forwarded address is believed, a local caller's included (FUNDTRAIL_TRUSTED_PROXIES).
    trusted_proxies: tuple[str, ...] = ()
    #: How many proxies in a row add themselves to `X-Forwarded-For` (FUNDTRAIL_PROXY_HOPS).
    proxy_hops: int = 1
    #: The updates service's public key that seals mailed link tokens (base64 of the raw 32
    #: bytes); when empty, read from `link_public_key_path` (pledges only).
    link_public_key: str = ""
    #: The updates service's private key that opens them (updates only; made on first run).
    link_key_file: Path | None = None
    #: Where the updates service writes, and the pledges service reads, its public link key.
    link_public_key_file: Path | None = None
    #: Seconds a process may go on trusting its in-memory list of revoked accounts and tokens
    #: before reading it again: how late a revocation made in another process is honoured here
    #: (FUNDTRAIL_REVOCATION_REFRESH_SECONDS; 0 reads the database on every request).
    revocation_refresh: float = 1.0
    #: Anything a single service adds (ledger: log origin, key file ...).
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, service: str, overrides: dict[str, Any] | None = None) -> Settings:
        """Read the settings of `service` from the environment, then apply `overrides`."""
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; expected one of {SERVICES}")
        env = Env()
        var_dir = Path(env.str("FUNDTRAIL_VAR_DIR", "var")).absolute()
        with env.prefixed(f"{service.upper()}_"):
            database_url = env.str("DATABASE_URL", f"sqlite:///{var_dir / service}.db")
        values: dict[str, Any] = dict(
            service=service,
            database_url=database_url,
            kafka_bootstrap_servers=env.str("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
            var_dir=var_dir,
            token_signing_key_file=env.path(
                "FUNDTRAIL_TOKEN_KEY_FILE", var_dir / "keys" / "token-signing.key"
            ),
            token_public_key=env.str("FUNDTRAIL_TOKEN_PUBLIC_KEY", ""),
            token_public_key_file=env.path("FUNDTRAIL_TOKEN_PUBLIC_KEY_FILE", None),
            token_lifetime=_lifetime(env.str("FUNDTRAIL_TOKEN_LIFETIME", "30d")),
            consumer_max_attempts=env.int("FUNDTRAIL_CONSUMER_MAX_ATTEMPTS", 3),
            log_format=env.str("FUNDTRAIL_LOG_FORMAT", "console"),
            consumer_group_prefix=env.str("FUNDTRAIL_CONSUMER_GROUP_PREFIX", "fundtrail"),
            trusted_proxies=tuple(env.list("FUNDTRAIL_TRUSTED_PROXIES", [])),
            proxy_hops=env.int("FUNDTRAIL_PROXY_HOPS", 1),
            link_public_key=env.str("FUNDTRAIL_LINK_PUBLIC_KEY", ""),
            link_key_file=env.path("FUNDTRAIL_LINK_KEY_FILE", None),
            link_public_key_file=env.path("FUNDTRAIL_LINK_PUBLIC_KEY_FILE", None),
            revocation_refresh=env.float("FUNDTRAIL_REVOCATION_REFRESH_SECONDS", 1.0),
        )
        values.update(overrides or {})
        return cls(**values)

    @property
    def consumer_group(self) -> str:
        return f"{self.consumer_group_prefix}.{self.service}"

    @property
    def public_key_file(self) -> Path:
        """The public token key's file; beside the service's var_dir unless set."""
        return self.token_public_key_file or self.var_dir / "keys" / "token-signing.pub"

    @property
    def link_key_path(self) -> Path:
        """The updates service's private link key; under var_dir unless set."""
        return self.link_key_file or self.var_dir / "keys" / "link-sealing.key"

    @property
    def link_public_key_path(self) -> Path:
        """The public link key's file; beside the private one under var_dir unless set."""
        return self.link_public_key_file or self.var_dir / "keys" / "link-sealing.pub"


def _lifetime(text: str) -> timedelta:
    try:
        return check_lifetime(parse_duration(text))
    except ValueError as exc:
        raise ValueError(f"FUNDTRAIL_TOKEN_LIFETIME: {exc}") from None
