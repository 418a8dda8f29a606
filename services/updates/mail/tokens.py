"""Signed unsubscribe tokens: each names one account, one campaign and one kind of mail about it,
and only we can make one.

HMAC-SHA256 with a key of the updates service's own (made on first run under var/keys/), not
Ed25519: the same process signs and checks, so a shared secret is enough, and its tags are
shorter, which keeps the links short. A token is `<account><campaign>` (32 bytes) and a
truncated tag, base64url without padding: changing any byte of the ids breaks the tag.

Update mail (`updates`, with its retraction notices) keeps that first form, so the links in
mails already sent keep working; every other kind of mail (a creator's `new_pledges`,
`questions`) adds one byte naming it and is signed under its own prefix: a creator may stop
new-pledge mail and keep the questions, and no token of one kind can be turned into another.
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
_PREFIX_V2 = b"fundtrail.unsubscribe.v2:"

#: The kinds of mail a reader can stop one by one, per campaign, and the byte that names each.
UPDATES = "updates"
NEW_PLEDGES = "new_pledges"
QUESTIONS = "questions"
_KIND_BYTES = {NEW_PLEDGES: 1, QUESTIONS: 2}
_KINDS = {code: kind for kind, code in _KIND_BYTES.items()}
LIST_KINDS = (UPDATES, NEW_PLEDGES, QUESTIONS)


@dataclass(frozen=True)
class Unsubscription:
    """Who a valid token unsubscribes, from which campaign's mail."""

    account_id: uuid.UUID
    campaign_id: uuid.UUID
    #: Which kind of mail about the campaign: `updates` (the first tokens' only kind),
    #: `new_pledges` or `questions`.
    kind: str = UPDATES


class UnsubscribeTokens:
    """Makes and checks unsubscribe tokens with one secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < KEY_BYTES:
            raise ValueError(f"an unsubscribe key needs at least {KEY_BYTES} bytes")
        self._key = key

    @classmethod
    def from_key_file(cls, path: Path) -> UnsubscribeTokens:
        return cls(load_or_create_key(path))

    def make(self, account_id: uuid.UUID, campaign_id: uuid.UUID, kind: str = UPDATES) -> str:
        ids = account_id.bytes + campaign_id.bytes
        if kind == UPDATES:
            return _b64(ids + self._tag(ids))
        named = ids + bytes([_KIND_BYTES[kind]])
        return _b64(named + self._tag(named, _PREFIX_V2))

    def check(self, token: str) -> Unsubscription | None:
        """Whom `token` unsubscribes from what; None for anything we did not sign."""
        if len(token) > 100:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if _b64(raw) != token:  # one spelling per token
            return None
        if len(raw) == 32 + TAG_BYTES:
            ids, tag, kind, prefix = raw[:32], raw[32:], UPDATES, _PREFIX
        elif len(raw) == 33 + TAG_BYTES and raw[32] in _KINDS:
            ids, tag, kind, prefix = raw[:33], raw[33:], _KINDS[raw[32]], _PREFIX_V2
        else:
            return None
        if not hmac.compare_digest(tag, self._tag(ids, prefix)):
            return None
        return Unsubscription(uuid.UUID(bytes=ids[:16]), uuid.UUID(bytes=ids[16:32]), kind)

    def _tag(self, ids: bytes, prefix: bytes = _PREFIX) -> bytes:
        return hmac.new(self._key, prefix + ids, hashlib.sha256).digest()[:TAG_BYTES]


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
