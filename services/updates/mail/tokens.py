"""Signed unsubscribe tokens: each names one account and one campaign, and only we can make one.

HMAC-SHA256 with a key of the updates service's own (made on first run under var/keys/), not
Ed25519: the same process signs and checks, so a shared secret is enough, and its tags are
shorter, which keeps the links short. A token is `<account><campaign>` (32 bytes) and a
truncated tag, base64url without padding: changing any byte of the ids breaks the tag.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

KEY_BYTES = 32
#: 128 bits of tag: forging one is as hard as guessing a random UUID, twice over.
TAG_BYTES = 16
_PREFIX = b"fundtrail.unsubscribe.v1:"


@dataclass(frozen=True)
class Unsubscription:
    """Who a valid token unsubscribes, from which campaign's mail."""

    account_id: uuid.UUID
    campaign_id: uuid.UUID


class UnsubscribeTokens:
    """Makes and checks unsubscribe tokens with one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"an unsubscribe key needs at least {KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def from_key_file(cls, path: Path) -> UnsubscribeTokens:
        return cls(load_or_create_key(path))

    def make(self, account_id: uuid.UUID, campaign_id: uuid.UUID) -> str:
        ids = account_id.bytes + campaign_id.bytes
        return _b64(ids + self._tag(ids))

    def check(self, token: str) -> Unsubscription | None:
        """Whom `token` unsubscribes from what; None for anything we did not sign."""
        if len(token) > 100:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != 32 + TAG_BYTES or _b64(raw) != token:  # one spelling per token
            return None
        ids, tag = raw[:32], raw[32:]
        if not hmac.compare_digest(tag, self._tag(ids)):
            return None
        return Unsubscription(uuid.UUID(bytes=ids[:16]), uuid.UUID(bytes=ids[16:]))

    def _tag(self, ids: bytes) -> bytes:
        return hmac.new(self._key, _PREFIX + ids, hashlib.sha256).digest()[:TAG_BYTES]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def load_or_create_key(path: Path) -> bytes:
    """Read the key, or make it (mode 0600) on first run.

    The web and the worker start together under `make run`: the key is written whole to a
    temporary file and linked into place, so a racing process either wins or reads the winner's
    complete key, never a half-written one.
    """
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_hex(KEY_BYTES) + "\n")
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise ValueError(f"{path} does not hold a hex unsubscribe key") from None
