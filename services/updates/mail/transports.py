"""Where messages go: one small `Mailer` Protocol, an SMTP server or a local Maildir behind it."""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
import ssl
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from services.updates.mail.fanout import Outgoing, from_message

#: Transient failures (the server is down, busy, or answered 4xx): the sender retries them.
#: `smtplib.SMTPException` covers refusals; OSError covers refused connections and timeouts.
TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)


class Mailer(Protocol):
    def send(self, message: EmailMessage | Outgoing) -> None:
        """Deliver `message` to its `To`, or raise (the sender will try again later).

        The sender hands in `Outgoing` bytes (composed once per update, see `fanout`); an
        `EmailMessage` is flattened here."""


class MaildirMailer:
    """Writes each message into a Maildir (`var/mail/` by default) for a person to read with any
    mail client (`mutt -f var/mail`): what `make run` does when no SMTP server is set."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)  # Maildir makes only its own folder
        # Made once here, so a fresh checkout's first message does not race the folder's creation.
        self._maildir = mailbox.Maildir(path, create=True)

    def send(self, message: EmailMessage | Outgoing) -> None:
        # Maildir writes to tmp/ and renames into new/: a reader never sees half a message.
        self._maildir.add(message.data if isinstance(message, Outgoing) else message)

    def close(self) -> None:
        """Nothing to let go of (Maildir holds no open connection)."""


class SmtpMailer:
    """Sends through an SMTP server named by a URL, keeping one connection open across messages.

    `smtp://user:pass@host:587` upgrades with STARTTLS before logging in, and will not log in
    without it; `smtps://host:465` speaks TLS from the start; no user means no login (a local
    relay), and then STARTTLS is used when the server offers it.
    """

    def __init__(
        self, url: str, *, timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://host")
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.port = parts.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else ""
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()
        self._connection: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def send(self, message: EmailMessage | Outgoing) -> None:
        with self._lock:
            kept = self._connection is not None
            try:
                self._send_once(message)
            except smtplib.SMTPServerDisconnected as exc:
                # A kept connection the server closed while idle: one fresh try. Not after a
                # timeout (smtplib words it as a disconnection too): the server is slow, not
                # gone, and may even have taken the message before its late reply; trying again
                # at once would double the wait and could send it twice. The queue retries later.
                if not kept or _timed_out(exc):
                    raise
                self._send_once(message)

    def _send_once(self, message: EmailMessage | Outgoing) -> None:
        try:
            if isinstance(message, EmailMessage):
                message = from_message(message)  # its List-Unsubscribe unfolded, as below
            _send_outgoing(self._connected(), message)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # a refusal: smtplib has reset the session, the connection stays usable
        except TRANSIENT_ERRORS:
            self._drop()
            raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(*TRANSIENT_ERRORS):
                    self._connection.quit()
            self._connection = None

    def _connected(self) -> smtplib.SMTP:
        if self._connection is None:
            self._connection = self._connect()
        return self._connection

    def _connect(self) -> smtplib.SMTP:
        connection: smtplib.SMTP
        if self.implicit_tls:
            connection = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            connection.ehlo()
            if not self.implicit_tls and (self.username or connection.has_extn("starttls")):
                # With a login, STARTTLS is required: smtplib raises if the server lacks it,
                # rather than send the password in the clear.
                connection.starttls(context=self.ssl_context)
                connection.ehlo()
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


def _timed_out(exc: BaseException) -> bool:
    """Whether smtplib's error came from the socket's timeout."""
    cause = exc.__cause__ or exc.__context__
    return isinstance(exc, TimeoutError) or isinstance(cause, TimeoutError)


def _send_outgoing(connection: smtplib.SMTP, message: Outgoing) -> None:
    """What `send_message` does with a message once flattened: the same envelope and options."""
    options: tuple[str, ...] = ()
    if message.smtputf8:
        if not connection.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("the server does not accept SMTPUTF8")
        options = ("SMTPUTF8", "BODY=8BITMIME")
    # smtplib sends bytes as given: the wire wants CRLF line ends.
    data = message.data.replace(b"\n", b"\r\n")
    connection.sendmail(message.mail_from, [message.to], data, mail_options=options)


def mailer_from_settings(smtp_url: str, maildir: Path) -> SmtpMailer | MaildirMailer:
    """SMTP when `SMTP_URL` is set, else the Maildir: the local default."""
    return SmtpMailer(smtp_url) if smtp_url else MaildirMailer(maildir)
