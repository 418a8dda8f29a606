"""Sealed link tokens: only the private key opens them, only for the link they were sealed for."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from shared.auth import public_key_text
from shared.sealing import (
    BrokenSeal,
    LazyLinkSealer,
    LinkOpener,
    LinkSealer,
    MissingLinkKey,
)

SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC1zZWNyZXQ"


def test_a_sealed_token_opens_with_the_private_key_only() -> None:
    key, other = X25519PrivateKey.generate(), X25519PrivateKey.generate()
    link = uuid.uuid4().bytes
    sealed = LinkSealer(key.public_key()).seal(SECRET, link)

    assert SECRET not in sealed and len(sealed) <= 200
    assert sealed != LinkSealer(key.public_key()).seal(SECRET, link)  # fresh each time
    assert LinkOpener(key).open(sealed, link) == SECRET
    with pytest.raises(BrokenSeal):
        LinkOpener(other).open(sealed, link)
    with pytest.raises(BrokenSeal):
        LinkOpener(key).open(sealed, uuid.uuid4().bytes)  # moved to another link
    with pytest.raises(BrokenSeal):
        LinkOpener(key).open(sealed[:-3] + ("AAA" if sealed[-3:] != "AAA" else "BBB"), link)
    with pytest.raises(BrokenSeal):
        LinkOpener(key).open("not sealed at all!", link)


def test_the_key_pair_is_made_once_and_the_sealer_reads_only_the_public_half(
    tmp_path: Path,
) -> None:
    keys = tmp_path / "keys"
    opener = LinkOpener.from_key_file(keys / "link-sealing.key", keys / "link-sealing.pub")
    again = LinkOpener.from_key_file(keys / "link-sealing.key", keys / "link-sealing.pub")
    assert (keys / "link-sealing.key").stat().st_mode & 0o777 == 0o600

    sealer = LazyLinkSealer("", keys / "link-sealing.pub")
    link = uuid.uuid4().bytes
    assert again.open(sealer.seal(SECRET, link), link) == SECRET
    assert opener.open(sealer.seal(SECRET, link), link) == SECRET


def test_without_a_public_key_sealing_says_what_to_provide(tmp_path: Path) -> None:
    sealer = LazyLinkSealer("", tmp_path / "missing.pub")
    with pytest.raises(MissingLinkKey, match="FUNDTRAIL_LINK_PUBLIC_KEY"):
        sealer.seal(SECRET, b"link")
    key = X25519PrivateKey.generate()
    from_text = LazyLinkSealer(public_key_text(key), tmp_path / "missing.pub")
    assert LinkOpener(key).open(from_text.seal(SECRET, b"link"), b"link") == SECRET
