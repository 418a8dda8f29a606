"""API tokens: signed by the pledges service, checked by every service on its own.

A token is a JWT signed with Ed25519 (EdDSA). Any service holding the public key can check it
without calling another service; revocations arrive as `account.revoked` events and are kept in
each service's own `revoked_accounts` table. The signing key never leaves the pledges service,
so no other service can mint a token.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ROLES = ("creator", "backer", "auditor", "admin")
ISSUER = "fundtrail"


class InvalidToken(Exception):
    """The token is missing, malformed, forged, or its account was revoked."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account behind a verified token."""

    account_id: uuid.UUID
    role: str
    token_id: uuid.UUID


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the token signing key, creating it (mode 0600) on first run."""
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # O_EXCL: if two processes race on first run, one wins and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_or_create_signing_key(path)
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return key


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The verifier half as base64 of the raw 32 bytes: what FUNDTRAIL_TOKEN_PUBLIC_KEY holds."""
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def parse_public_key(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


class TokenIssuer:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def issue(self, account_id: uuid.UUID, role: str, now: datetime | None = None) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        claims = {
            "iss": ISSUER,
            "sub": str(account_id),
            "role": role,
            "jti": str(uuid.uuid4()),
            "iat": int((now or datetime.now(UTC)).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")


class TokenVerifier:
    def __init__(
        self, public_key: Ed25519PublicKey, is_revoked: Callable[[uuid.UUID], bool]
    ) -> None:
        self._public_key = public_key
        self._is_revoked = is_revoked

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._public_key,
                algorithms=["EdDSA"],  # never let the token pick its own algorithm
                issuer=ISSUER,
                options={"require": ["iss", "sub", "role", "jti", "iat"]},
            )
            principal = Principal(
                account_id=uuid.UUID(claims["sub"]),
                role=claims["role"],
                token_id=uuid.UUID(claims["jti"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError, AttributeError) as exc:
            raise InvalidToken(f"invalid token: {exc}") from None
        if principal.role not in ROLES:
            raise InvalidToken("invalid token: unknown role")
        if self._is_revoked(principal.account_id):
            raise InvalidToken("the account has been revoked")
        return principal
