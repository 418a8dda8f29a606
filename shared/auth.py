"""API tokens: signed by the pledges service, checked by every service on its own.

A token is a JWT signed with Ed25519 (EdDSA) that expires (`exp`) and has its own id (`jti`).
Any service holding the public key can check it without calling another service; revocations
arrive as `account.revoked` and `token.revoked` events and are kept in each service's own
`revoked_accounts` and `revoked_tokens` tables. The signing key never leaves the pledges
service, so no other service can mint a token: they read only the public half.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

K = TypeVar("K", Ed25519PrivateKey, X25519PrivateKey)

ROLES = ("creator", "backer", "auditor", "admin")
ISSUER = "fundtrail"
#: How long a token lives unless its issuer says otherwise (FUNDTRAIL_TOKEN_LIFETIME).
DEFAULT_TOKEN_LIFETIME = timedelta(days=30)
#: The longest life a token may be given: a forgotten token must still die some day.
MAX_TOKEN_LIFETIME = timedelta(days=365)
#: Clocks of different machines disagree a little; a token is not refused for that.
CLOCK_LEEWAY = timedelta(seconds=60)

_DURATION = re.compile(r"^\s*(\d{1,9})\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class InvalidToken(Exception):
    """The token is missing, malformed, forged, expired, or it or its account was revoked."""


class ExpiredToken(InvalidToken):
    """The token was genuine but its `exp` has passed."""


class MissingPublicKey(RuntimeError):
    """A service that checks tokens was given no (usable) public key to check them with."""


def parse_duration(text: str) -> timedelta:
    """`90d`, `12h`, `30m`, `45s`, `2w`, or a bare number of seconds, as a timedelta."""
    match = _DURATION.match(str(text))
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration: use a whole number with s, m, h, d or w "
            "(such as 90d or 12h), or a number of seconds"
        )
    return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])


def check_lifetime(lifetime: timedelta) -> timedelta:
    """`lifetime` if a token may be given it: more than nothing, at most MAX_TOKEN_LIFETIME."""
    if lifetime <= timedelta(0):
        raise ValueError("a token's lifetime must be positive")
    if lifetime > MAX_TOKEN_LIFETIME:
        raise ValueError(f"a token may live at most {MAX_TOKEN_LIFETIME.days} days")
    return lifetime


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a verified token."""

    account_id: uuid.UUID
    role: str
    token_id: uuid.UUID
    #: When the token stops being accepted (None only for principals made by hand).
    expires_at: datetime | None = None


@dataclass(frozen=True)
class IssuedToken:
    """A freshly signed token and what its holder may want to know about it."""

    #: The JWT itself: shown once, never stored.
    token: str
    #: Its `jti`: the id to revoke it by.
    token_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def load_or_create_signing_key(
    path: Path, public_key_file: Path | None = None
) -> Ed25519PrivateKey:
    """Read the token signing key, creating it (mode 0600) on first run.

    With `public_key_file`, also (re)write the public half there, for the services on this
    machine that verify tokens and must never see the private key.
    """
    key = _load_or_create_private_key(path)
    if public_key_file is not None:
        write_public_key_file(key, public_key_file)
    return key


def _load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    return load_or_create_private_key(path, Ed25519PrivateKey)  # type: ignore[type-abstract]


def load_or_create_private_key(path: Path, kind: type[K]) -> K:
    """The PEM private key of class `kind` at `path`, created (mode 0600) on first run."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, kind):
            raise ValueError(f"{path} is not an {kind.__name__.removesuffix('PrivateKey')} key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    new_key = kind.generate()
    pem = new_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: if two processes race on first run, one wins and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_private_key(path, kind)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return new_key


def public_key_text(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    """The verifier half as base64 of the raw 32 bytes: what FUNDTRAIL_TOKEN_PUBLIC_KEY holds."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def write_public_key_file(key: Ed25519PrivateKey | X25519PrivateKey, path: Path) -> None:
    """Write the public half of `key` to `path` (one line, as FUNDTRAIL_TOKEN_PUBLIC_KEY)."""
    text = public_key_text(key) + "\n"
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: a service starting meanwhile reads the old or the new key,
    # never half a line.
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    partial.write_text(text)
    os.replace(partial, path)


def parse_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def load_public_key(text: str, path: Path) -> Ed25519PublicKey:
    """The token verifier key: `text` (base64) if given, else the one-line file at `path`."""
    where = "FUNDTRAIL_TOKEN_PUBLIC_KEY"
    if not text.strip() and path.exists():
        text, where = path.read_text(), str(path)
    if not text.strip():
        raise MissingPublicKey(
            "No public key to check API tokens with: set FUNDTRAIL_TOKEN_PUBLIC_KEY to the "
            f"pledges service's public token key, or provide the file {path} (the pledges "
            "service and `make run` write it). Only the pledges service holds the private key."
        )
    try:
        return parse_public_key(text.strip())
    except (ValueError, binascii.Error):
        raise MissingPublicKey(
            f"{where} does not hold a base64 Ed25519 public key (32 bytes)"
        ) from None


class TokenIssuer:
    """Signs tokens; only the pledges service has one."""

    def __init__(
        self, key: Ed25519PrivateKey, lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
    ) -> None:
        self._key = key
        self._lifetime = check_lifetime(lifetime)

    def mint(
        self,
        account_id: uuid.UUID,
        role: str,
        *,
        lifetime: timedelta | None = None,
        now: datetime | None = None,
    ) -> IssuedToken:
        """A new token for the account, living `lifetime` (the issuer's default if None)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        life = check_lifetime(lifetime if lifetime is not None else self._lifetime)
        # JWT times are whole seconds; round once so expires_at says exactly what `exp` says.
        issued_at = datetime.fromtimestamp(int((now or datetime.now(UTC)).timestamp()), UTC)
        expires_at = issued_at + timedelta(seconds=int(life.total_seconds()))
        token_id = uuid.uuid4()
        claims = {
            "iss": ISSUER,
            "sub": str(account_id),
            "role": role,
            "jti": str(token_id),
            "iat": int(issued_at.timestamp()),
            "exp": int(expires_at.timestamp()),
        }
        token = jwt.encode(claims, self._key, algorithm="EdDSA")
        return IssuedToken(token, token_id, issued_at, expires_at)

    def issue(
        self,
        account_id: uuid.UUID,
        role: str,
        now: datetime | None = None,
        lifetime: timedelta | None = None,
    ) -> str:
        """Just the token string of `mint`."""
        return self.mint(account_id, role, lifetime=lifetime, now=now).token


#: Distinct tokens whose verified claims a process keeps (a few hundred bytes each).
VERIFIED_TOKENS_KEPT = 4096


class TokenVerifier:
    """Checks a token's signature, claims and expiry, then asks whether it was revoked.

    A client sends the same token with every request, and checking its signature and claims
    (PyJWT's parsing and the Ed25519 verification) cost a pledge about a tenth of its CPU. So
    the claims a token was verified to carry are kept, by the exact token string, for the
    `cache_size` most recently used tokens: a token differing by one character is a new key
    and is verified in full. What can change after the first check is still checked on every
    request: expiry (against `clock`, never trusting a kept token past `exp` plus the leeway)
    and revocation. A token refused once is not kept, so it is checked again each time.
    """

    def __init__(
        self,
        public_key: Ed25519PublicKey,
        is_revoked: Callable[[uuid.UUID], bool],
        is_token_revoked: Callable[[uuid.UUID], bool] = lambda _token_id: False,
        leeway: timedelta = CLOCK_LEEWAY,
        *,
        cache_size: int = VERIFIED_TOKENS_KEPT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._public_key = public_key
        self._is_revoked = is_revoked
        self._is_token_revoked = is_token_revoked
        self._leeway = leeway
        self._clock = clock
        # lru_cache keeps only what returned: a refused token raises and is never kept.
        self._verified = functools.lru_cache(maxsize=cache_size)(self._verify_signed)

    def verify(self, token: str) -> Principal:
        principal = self._verified(token)
        # Checked here, not only by PyJWT on first sight: a kept token must die at `exp`.
        assert principal.expires_at is not None
        if self._clock() >= principal.expires_at + self._leeway:
            raise ExpiredToken(_EXPIRED_MESSAGE)
        if self._is_revoked(principal.account_id):
            raise InvalidToken("the account has been revoked")
        if self._is_token_revoked(principal.token_id):
            raise InvalidToken("the token has been revoked")
        return principal

    def _verify_signed(self, token: str) -> Principal:
        """The caller a token names, if its signature and claims hold (not its revocation)."""
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["EdDSA"],  # never let the token pick its own algorithm
                issuer=ISSUER,
                leeway=self._leeway,
                # `exp` is required: a token without one (issued before tokens expired) would
                # otherwise be accepted for ever.
                options={"require": ["iss", "sub", "role", "jti", "iat", "exp"]},
            )
            principal = Principal(
                account_id=uuid.UUID(claims["sub"]),
                role=claims["role"],
                token_id=uuid.UUID(claims["jti"]),
                expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
            )
        except jwt.ExpiredSignatureError:
            raise ExpiredToken(_EXPIRED_MESSAGE) from None
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError, OverflowError) as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        if principal.role not in ROLES:
            raise InvalidToken("invalid token: unknown role")
        return principal


_EXPIRED_MESSAGE = "the token has expired: get a fresh one (see `fundtrail accounts token`)"
