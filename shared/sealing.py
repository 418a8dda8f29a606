"""Link tokens sealed for the updates service alone, so no outbox row, Kafka message or mail
queue row holds one in clear.

The updates service holds an X25519 key pair (`link-sealing.key`, made on its first run; the
public half beside it in `link-sealing.pub`). The pledges service holds only the public half:
it seals each mailed link's token with a fresh ephemeral key (X25519, HKDF-SHA256,
ChaCha20-Poly1305, an ECIES much like libsodium's sealed box), bound to the link's id. Only the
updates service, composing the mail, can open it.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from shared.auth import load_or_create_private_key, write_public_key_file

#: Changes if the construction ever does: a sealed value names the scheme it was made with.
SCHEME = "x25519-hkdf-chacha20poly1305"
_INFO = f"fundtrail link token {SCHEME}".encode()
#: The key is new for every message (a fresh ephemeral key), so one fixed nonce is safe.
_NONCE = bytes(12)
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class MissingLinkKey(RuntimeError):
    """No public key of the updates service to seal links with."""


class BrokenSeal(ValueError):
    """A sealed value that this key cannot open: changed, cut, or sealed for another key."""


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_INFO).derive(shared)


class Sealer(Protocol):
    """What the pledges service needs: seal a secret for the updates service."""

    def seal(self, secret: str, bound_to: bytes) -> str: ...


class LinkSealer:
    """Seals link tokens with the updates service's public key (the pledges service's half)."""

    def __init__(self, public_key: X25519PublicKey) -> None:
        self._public_key = public_key
        self._recipient = public_key.public_bytes(*_RAW)

    def seal(self, secret: str, bound_to: bytes) -> str:
        """`secret`, readable only with the private key and only alongside `bound_to` (the
        link's id: a sealed token moved to another link's row does not open)."""
        ephemeral = X25519PrivateKey.generate()
        ephemeral_raw = ephemeral.public_key().public_bytes(*_RAW)
        key = _key(ephemeral.exchange(self._public_key), ephemeral_raw, self._recipient)
        sealed = ChaCha20Poly1305(key).encrypt(_NONCE, secret.encode(), bound_to)
        return base64.urlsafe_b64encode(ephemeral_raw + sealed).rstrip(b"=").decode()


class LazyLinkSealer:
    """A sealer whose public key is read when first needed: the updates service may make its
    key pair after the pledges service started (`make run` starts them together)."""

    def __init__(self, text: str, path: Path) -> None:
        self._text, self._path = text, path
        self._sealer: LinkSealer | None = None

    def seal(self, secret: str, bound_to: bytes) -> str:
        if self._sealer is None:
            self._sealer = LinkSealer(load_link_public_key(self._text, self._path))
        return self._sealer.seal(secret, bound_to)


class LinkOpener:
    """Opens sealed link tokens with the private key (the updates service's half)."""

    def __init__(self, private_key: X25519PrivateKey) -> None:
        self._private_key = private_key
        self._own = private_key.public_key().public_bytes(*_RAW)
        self.sealer = LinkSealer(private_key.public_key())

    @classmethod
    def from_key_file(cls, path: Path, public_key_file: Path) -> LinkOpener:
        """The updates service's key pair, made on first run; its public half (re)written to
        `public_key_file` for the pledges service."""
        key = load_or_create_private_key(path, X25519PrivateKey)  # type: ignore[type-abstract]
        write_public_key_file(key, public_key_file)
        return cls(key)

    @property
    def public_key_text(self) -> str:
        """The public half as base64 of its raw 32 bytes: what FUNDTRAIL_LINK_PUBLIC_KEY holds."""
        return base64.b64encode(self._own).decode()

    def open(self, sealed: str, bound_to: bytes) -> str:
        try:
            raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
            if len(raw) < 32 + 16:
                raise ValueError("too short")
            ephemeral = X25519PublicKey.from_public_bytes(raw[:32])
            key = _key(self._private_key.exchange(ephemeral), raw[:32], self._own)
            return ChaCha20Poly1305(key).decrypt(_NONCE, raw[32:], bound_to).decode()
        except (InvalidTag, ValueError, binascii.Error, UnicodeDecodeError):
            raise BrokenSeal("the sealed link token does not open with this key") from None


def load_link_public_key(text: str, path: Path) -> X25519PublicKey:
    """The updates service's public link key: `text` (base64) if given, else the file."""
    where = "FUNDTRAIL_LINK_PUBLIC_KEY"
    if not text.strip() and path.exists():
        text, where = path.read_text(), str(path)
    if not text.strip():
        raise MissingLinkKey(
            "No public key to seal mailed links with: set FUNDTRAIL_LINK_PUBLIC_KEY to the "
            f"updates service's public link key, or provide the file {path} (the updates "
            "service and `make run` write it). Only the updates service holds the private key."
        )
    try:
        return X25519PublicKey.from_public_bytes(base64.b64decode(text.strip(), validate=True))
    except (ValueError, binascii.Error):
        raise MissingLinkKey(f"{where} does not hold a base64 X25519 public key") from None
