"""Signed checkpoints: the C2SP tlog-checkpoint body inside a C2SP signed note (Ed25519).

Formats follow c2sp.org/tlog-checkpoint and c2sp.org/signed-note, as implemented by
golang.org/x/mod/sumdb/note, so checkpoints and keys interoperate with other tlog tools.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM_ED25519 = 1
ROOT_HASH_SIZE = 32
_SIGNATURE_PREFIX = "\u2014 "  # em dash, space
_MAX_SIGNATURES = 100  # as golang.org/x/mod/sumdb/note: don't spend forever on a hostile note
_TREE_SIZE = re.compile(r"0|[1-9][0-9]*")
_KEY_ID = re.compile(r"[0-9a-fA-F]{8}")


class NoteError(ValueError):
    """A signed note or key that can't be used; subclasses say why."""


class MalformedNote(NoteError):
    """The text is not a well-formed signed note, key or checkpoint."""


class UnverifiedNote(NoteError):
    """The note is well formed but carries no signature from any trusted key."""


class BadSignature(NoteError):
    """A trusted key's signature line is on the note, and it does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: the body of a C2SP tlog-checkpoint."""

    #: Unique identity of the log, e.g. `fundtrail.local/campaigns/<campaign id>`.
    origin: str
    #: Number of leaves in the tree.
    tree_size: int
    #: RFC 6962 root hash of the tree at `tree_size`.
    root_hash: bytes
    #: Optional opaque extension lines (the spec discourages them; we never write any).
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise MalformedNote("checkpoint origin must be one non-empty line")
        if isinstance(self.tree_size, bool) or self.tree_size < 0:
            raise MalformedNote(f"checkpoint tree size must be ≥ 0, got {self.tree_size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise MalformedNote(f"checkpoint root hash must be {ROOT_HASH_SIZE} bytes")
        for line in self.extensions:
            if not line or "\n" in line:
                raise MalformedNote("checkpoint extension lines must be non-empty single lines")

    def to_text(self) -> str:
        """The note text: origin, size, base64 root, extensions, each ending in a newline."""
        lines = [self.origin, str(self.tree_size), base64.b64encode(self.root_hash).decode()]
        return "".join(line + "\n" for line in [*lines, *self.extensions])

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse note text strictly: the three lines exactly as the spec writes them."""
        if not text.endswith("\n"):
            raise MalformedNote("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise MalformedNote("checkpoint needs origin, tree size and root hash lines")
        origin, size, root, *extensions = lines
        if not _TREE_SIZE.fullmatch(size):
            raise MalformedNote(f"checkpoint tree size {size!r} is not a plain decimal number")
        return cls(origin, int(size), _strict_b64decode(root, "root hash"), tuple(extensions))


class Verifier:
    """A trusted public key that checks note signatures: the `vkey` form."""

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_name(name)
        if len(public_key) != 32:
            raise MalformedNote("an Ed25519 public key is 32 bytes")
        self.name = name
        self.public_key = public_key
        self.key_id = key_id(name, public_key)
        self._key = Ed25519PublicKey.from_public_bytes(public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse `<name>+<hex key id>+<base64(0x01 ‖ public key)>`."""
        # Base64 may itself hold '+', so split off only the fields before it.
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise MalformedNote("a verifier key reads <name>+<key id>+<key>")
        name, hex_id, encoded = parts
        verifier = cls(name, _key_material(encoded, "verifier key"))
        _check_key_id(hex_id, verifier.key_id)
        return verifier

    @property
    def vkey(self) -> str:
        return _encode_key(self.name, self.key_id, self.public_key)

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            self._key.verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Signer:
    """A private signing key: the `PRIVATE+KEY+...` form. Keep it secret."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_name(name)
        if len(seed) != 32:
            raise MalformedNote("an Ed25519 private key seed is 32 bytes")
        self.name = name
        self._seed = seed
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        self.verifier = Verifier(name, self._key.public_key().public_bytes_raw())
        self.key_id = self.verifier.key_id

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse `PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 ‖ seed)>`."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise MalformedNote("a signer key reads PRIVATE+KEY+<name>+<key id>+<key>")
        _, _, name, hex_id, encoded = parts
        signer = cls(name, _key_material(encoded, "signer key"))
        # The id names the public key, so it can only be checked once that is derived.
        _check_key_id(hex_id, signer.key_id)
        return signer

    @property
    def skey(self) -> str:
        return "PRIVATE+KEY+" + _encode_key(self.name, self.key_id, self._seed)

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)

    def __repr__(self) -> str:
        return f"Signer(name={self.name!r}, key_id={self.key_id:08x})"


def generate_signer(name: str) -> Signer:
    """A new random Ed25519 signing key named `name`."""
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    return Signer(name, seed)


def key_id(name: str, public_key: bytes) -> int:
    """First 4 bytes (big-endian) of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALGORITHM_ED25519]) + public_key)
    return int.from_bytes(digest.digest()[:4], "big")


def sign_note(text: str, signer: Signer) -> str:
    """Sign `text` (which must end in a newline) and return the signed note."""
    _check_note_characters(text)
    if not text.endswith("\n"):
        raise MalformedNote("note text must end with a newline")
    signature = signer.key_id.to_bytes(4, "big") + signer.sign(text.encode())
    encoded = base64.b64encode(signature).decode()
    return f"{text}\n{_SIGNATURE_PREFIX}{signer.name} {encoded}\n"


def open_note(note: str, verifiers: Verifier | Sequence[Verifier]) -> str:
    """Return the text of `note` once a trusted key's signature on it verifies.

    Signatures by other keys are ignored, as the spec requires (witnesses, key rotation). A
    signature by a trusted key that fails raises BadSignature; no trusted signature at all
    raises UnverifiedNote; a note that doesn't parse raises MalformedNote.
    """
    trusted = [verifiers] if isinstance(verifiers, Verifier) else list(verifiers)
    _check_note_characters(note)
    split = note.rfind("\n\n")
    if split < 0:
        raise MalformedNote("note has no blank line before its signatures")
    text, block = note[: split + 1], note[split + 2 :]
    if not block.endswith("\n"):
        raise MalformedNote("note's signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > _MAX_SIGNATURES:
        raise MalformedNote(f"note has more than {_MAX_SIGNATURES} signatures")
    verified = False
    for line in lines:
        name, signed_id, signature = _parse_signature_line(line)
        for verifier in trusted:
            if verifier.name != name or verifier.key_id != signed_id:
                continue
            if not verifier.verify(text.encode(), signature):
                raise BadSignature(f"signature by {name}+{signed_id:08x} does not verify")
            verified = True
    if not verified:
        known = ", ".join(f"{v.name}+{v.key_id:08x}" for v in trusted) or "none"
        raise UnverifiedNote(f"note has no signature by a trusted key (trusted: {known})")
    return text


def _parse_signature_line(line: str) -> tuple[str, int, bytes]:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedNote(f"signature line {line!r} does not start with an em dash and space")
    name, _, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    _check_name(name)
    raw = _strict_b64decode(encoded, "signature")
    if len(raw) < 5:
        raise MalformedNote("signature is too short to hold a key id and a signature")
    return name, int.from_bytes(raw[:4], "big"), raw[4:]


def _check_note_characters(note: str) -> None:
    """Notes are UTF-8 with no control characters but newline (signed-note §Format)."""
    try:
        note.encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedNote("note is not valid UTF-8") from error
    if any(ord(char) < 0x20 and char != "\n" for char in note):
        raise MalformedNote("note contains a control character other than newline")


def _check_name(name: str) -> None:
    """Key names are non-empty, without Unicode spaces or '+' (signed-note §Signatures)."""
    if not name or "+" in name or any(char.isspace() for char in name):
        raise MalformedNote(f"key name {name!r} is empty or holds a space or '+'")
    _check_note_characters(name)


def _key_material(encoded: str, what: str) -> bytes:
    raw = _strict_b64decode(encoded, what)
    if len(raw) != 33 or raw[0] != ALGORITHM_ED25519:
        raise MalformedNote(f"{what} is not an Ed25519 key (algorithm byte 0x01, 32 bytes)")
    return raw[1:]


def _encode_key(name: str, identifier: int, material: bytes) -> str:
    encoded = base64.b64encode(bytes([ALGORITHM_ED25519]) + material).decode()
    return f"{name}+{identifier:08x}+{encoded}"


def _check_key_id(hex_id: str, expected: int) -> None:
    if not _KEY_ID.fullmatch(hex_id):
        raise MalformedNote(f"key id {hex_id!r} is not 8 hex digits")
    if int(hex_id, 16) != expected:
        raise MalformedNote(f"key id {hex_id} does not match the key (expected {expected:08x})")


def _strict_b64decode(encoded: str, what: str) -> bytes:
    """Standard padded base64 in its one canonical spelling, so signed bytes can't vary."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise MalformedNote(f"{what} is not valid base64") from error
    if not encoded or base64.b64encode(raw).decode() != encoded:
        raise MalformedNote(f"{what} is not canonical base64")
    return raw
