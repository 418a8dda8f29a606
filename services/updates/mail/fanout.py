"""One update's messages to its many readers: composed once with the email package, then made
per reader as bytes, varying only what differs (address, Message-ID, unsubscribe link).

The email package spends ~2 ms per message building header objects and MIME parts that are the
same for every reader of an update; here that happens once per update and batch, and each reader
costs a string format, a quoted-printable (or base64) encoding of the two parts and a join. The
bytes are those the package writes for the same message (policy.default, as smtplib sends it):
the unit tests compare them, and the constructor checks its own first message against them.
"""

from __future__ import annotations

import binascii
import io
import re
from dataclasses import dataclass
from datetime import datetime
from email import policy as policies
from email import quoprimime
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

from services.updates.mail.messages import (
    Notification,
    compose,
    html_body,
    html_to_text,
    text_body,
)

_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
#: An address the package writes back exactly as given: an ASCII dot-atom at a host name.
_PLAIN_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")
_POLICY = policies.default
#: Where policy.default folds header lines and wraps encoded body lines.
_MAX_LINE = 78
assert _POLICY.max_line_length == _MAX_LINE
_LIST_UNSUBSCRIBE = re.compile(rb"^List-Unsubscribe:.*?\n(?![ \t])", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Outgoing:
    """A message ready for the wire: its envelope and its bytes (`\\n` line ends)."""

    mail_from: str
    to: str
    data: bytes
    #: The address is not ASCII: the SMTP server must speak SMTPUTF8 (RFC 6531).
    smtputf8: bool = False


def flatten(message: EmailMessage, *, utf8: bool = False) -> bytes:
    """The message's bytes as smtplib would send them, but for `List-Unsubscribe`.

    policy.default folds that header's long, spaceless `<URL>` into RFC 2047 encoded words,
    which RFC 2369 clients do not decode: written unfolded instead (one line, under RFC 5322's
    998-character limit), so the one-click link works in real mail clients.
    """
    buffer = io.BytesIO()
    BytesGenerator(buffer, False, policy=_POLICY.clone(utf8=utf8)).flatten(message, linesep="\n")
    data = buffer.getvalue()
    link = message["List-Unsubscribe"]
    if link is None:
        return data
    field = f"List-Unsubscribe: {link}\n".encode()
    return _LIST_UNSUBSCRIBE.sub(lambda _: field, data, count=1)


def from_message(message: EmailMessage) -> Outgoing:
    """A composed message ready for the wire, its envelope taken from From and To."""
    to = parseaddr(str(message["To"]))[1]
    international = not to.isascii()
    data = flatten(message, utf8=international)
    return Outgoing(_envelope_from(str(message["From"])), to, data, international)


def outgoing(notification: Notification, mail_from: str, sent_at: datetime) -> Outgoing:
    """One message the slow, general way (any address): the email package composes it."""
    international = not notification.to.isascii()
    data = flatten(compose(notification, mail_from, sent_at), utf8=international)
    return Outgoing(_envelope_from(mail_from), notification.to, data, international)


class Composer(Protocol):
    def message(self, n: Notification) -> Outgoing:
        """`n`'s message, ready for the wire."""


class UpdateMessages:
    """The messages of one update sent at one time, made from the first one composed."""

    def __init__(self, first: Notification, mail_from: str, sent_at: datetime) -> None:
        self._first, self._mail_from, self._sent_at = first, mail_from, sent_at
        self._envelope_from = _envelope_from(mail_from)
        self._body_text = html_to_text(first.body_html)
        message = compose(first, mail_from, sent_at)
        self._parts: list[bytes | str] | None = None
        self._ctes = tuple(
            str(part["Content-Transfer-Encoding"] or "7bit").lower()
            for part in (message.get_body(("plain",)), message.get_body(("html",)))
            if part is not None
        )
        if _plain(first.to) and len(self._ctes) == 2:
            self._parts = self._template(flatten(message))

    @property
    def templated(self) -> bool:
        """Whether the update's messages are made from the template (else each is composed)."""
        return self._parts is not None

    def message(self, n: Notification) -> Outgoing:
        if self._parts is None or not _plain(n.to) or not self._same_update(n):
            return outgoing(n, self._mail_from, self._sent_at)
        values = self._values(n)
        data = b"".join(p if isinstance(p, bytes) else values[p] for p in self._parts)
        return Outgoing(self._envelope_from, n.to, data)

    def _values(self, n: Notification) -> dict[str, bytes]:
        """What differs per reader, with enough context to be found only where it belongs."""
        return {
            # The parts first: once they are slots, the header values cannot match in them.
            "text": _encode(text_body(n, self._body_text), self._ctes[0]),
            "html": _encode(html_body(n), self._ctes[1]),
            "to": f"\nTo: {n.to}\n".encode(),
            "account": f".{n.account_id}@".encode(),  # in the Message-ID
            "unsubscribe": f"\nList-Unsubscribe: <{n.unsubscribe_url}>\n".encode(),
        }

    def _same_update(self, n: Notification) -> bool:
        f = self._first
        same = (n.update_id, n.campaign_id, n.campaign_title, n.title, n.body_html, n.url)
        # Another language may need another transfer encoding than the template's parts.
        return same + (n.test_mode, n.language) == (
            f.update_id,
            f.campaign_id,
            f.campaign_title,
            f.title,
            f.body_html,
            f.url,
            f.test_mode,
            f.language,
        ) and len(n.unsubscribe_url) == len(f.unsubscribe_url)

    def _template(self, data: bytes) -> list[bytes | str] | None:
        """`data` cut into constant bytes and the names of what differs per reader; None when
        that is not exactly one of each, or the pieces do not give `data` back (then every
        message is composed the general way)."""
        values = self._values(self._first)
        pieces: list[bytes | str] = [data]
        for name, value in values.items():
            pieces = _cut(pieces, value, name)
        names = sorted(p for p in pieces if isinstance(p, str))
        rebuilt = b"".join(p if isinstance(p, bytes) else values[p] for p in pieces)
        return pieces if names == sorted(values) and rebuilt == data else None


def _plain(address: str) -> bool:
    """An address the package writes back as given, on one line: the template's `To`."""
    return len(address) <= _MAX_LINE - 4 and bool(_PLAIN_ADDRESS.match(address))


def _cut(pieces: list[bytes | str], value: bytes, name: str) -> list[bytes | str]:
    """Replace every occurrence of `value` in the constant pieces by the slot `name`."""
    result: list[bytes | str] = []
    for piece in pieces:
        if isinstance(piece, str):
            result.append(piece)
            continue
        chunks = piece.split(value)
        for index, chunk in enumerate(chunks):
            if index:
                result.append(name)
            result.append(chunk)
    return result


def _encode(text: str, cte: str) -> bytes:
    """A text part's body as `email.contentmanager` encodes it with policy.default."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if cte == "quoted-printable":
        encoded = quoprimime.body_encode(body.decode("latin-1"), _MAX_LINE)
        return encoded.encode("latin-1")
    if cte == "base64":
        width = _MAX_LINE // 4 * 3
        return b"".join(
            binascii.b2a_base64(body[i : i + width]) for i in range(0, len(body), width)
        )
    return body  # 7bit or 8bit: as written


def _envelope_from(mail_from: str) -> str:
    return parseaddr(mail_from)[1]
