"""Accounts: who may act on Fundtrail, in which role, and the tokens they hold.

Tokens are signed outside the domain; here they are records: whose, until when, revoked or not.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from shared.languages import DEFAULT_LANGUAGE

from .errors import DomainError, InvalidValue, NotAllowed, NotFound, StateConflict
from .passwords import guessability_problem
from .rules import check_aware, check_language, check_text

NAME_MAX = 200
EMAIL_MAX = 254
# Deliberately loose: one @, something either side, a dot in the domain. Deliverability is
# proven by sending mail, not by a regular expression.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _is_email(value: object) -> bool:
    return isinstance(value, str) and len(value) <= EMAIL_MAX and bool(_EMAIL.match(value))


class Role(StrEnum):
    CREATOR = "creator"
    BACKER = "backer"
    AUDITOR = "auditor"
    ADMIN = "admin"


class AccountRevoked(StateConflict):
    """The account was already revoked (and so gets no new token)."""


class TokenAlreadyRevoked(StateConflict):
    """The token was already revoked."""


@dataclass(eq=False, kw_only=True)
class Account:
    """Someone who holds a token: a creator, a backer, an auditor or an admin."""

    id: uuid.UUID
    role: Role
    name: str
    email: str | None
    created_at: datetime
    revoked_at: datetime | None = None
    #: What its mails are written in and the site speaks to it (`shared/languages.py`).
    language: str = DEFAULT_LANGUAGE

    @classmethod
    def open(
        cls,
        *,
        role: str,
        name: str,
        email: str | None,
        now: datetime,
        language: str = DEFAULT_LANGUAGE,
    ) -> Account:
        try:
            checked_role = Role(role)
        except ValueError:
            raise InvalidValue(f"role must be one of {', '.join(Role)}", "role") from None
        if email is not None and not _is_email(email):
            raise InvalidValue("not an e-mail address", "email")
        return cls(
            id=uuid.uuid4(),
            role=checked_role,
            name=check_text(name, "name", max_length=NAME_MAX),
            email=email,
            created_at=check_aware(now),
            language=check_language(language),
        )

    def choose_language(self, language: object) -> bool:
        """Speak `language` to this account from now on; whether that changed anything."""
        chosen = check_language(language)
        if chosen == self.language:
            return False
        self.language = chosen
        return True

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is not None:
            raise AccountRevoked("the account is already revoked")
        self.revoked_at = check_aware(now)

    def check_may_get_token(self) -> None:
        """A revoked account gets no fresh token: it would be refused everywhere anyway."""
        if self.revoked_at is not None:
            raise AccountRevoked("the account is revoked: it gets no new token")


@dataclass(eq=False, kw_only=True)
class ApiToken:
    """A token issued to an account, known by its id (the JWT's `jti`); never the token itself."""

    id: uuid.UUID
    account_id: uuid.UUID
    issued_at: datetime
    #: After this every service refuses it, revoked or not.
    expires_at: datetime
    revoked_at: datetime | None = None

    def revoke(self, now: datetime) -> None:
        if self.revoked_at is not None:
            raise TokenAlreadyRevoked("the token is already revoked")
        self.revoked_at = check_aware(now)


# --- Self sign-up: passwords, one-time links, sign-in throttling ------------------------------

#: NIST SP 800-63B-4 (2024) §3.1.1.2: a password used alone SHALL be at least 15 characters.
PASSWORD_MIN = 15
#: It SHOULD allow at least 64; argon2 hashes any length, the cap only bounds the work.
PASSWORD_MAX = 128


class WeakPassword(InvalidValue):
    """The password breaks the length rule or is one anybody would guess."""


class SignInRefused(DomainError):
    """Wrong e-mail or password (401): one message whichever was wrong."""


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for the account or the address (429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidLink(DomainError):
    """A one-time link token we never made, or one cut or changed (400)."""


class LinkGone(DomainError):
    """A genuine one-time link that has expired or was already used (410)."""


class NoEmailToVerify(NotFound):
    """The account was made by an operator (CLI or admin): it has no address of its own to
    prove, and counts as verified."""


class EmailAlreadyVerified(StateConflict):
    """The address is proven already: a new link would prove nothing."""


class EmailNotVerified(NotAllowed):
    """A self-registered creator must prove the address before launching."""


def normalise_password(password: str) -> str:
    """The password as hashed: NFKC (800-63B §3.1.1.2), so one typed differently still fits."""
    return unicodedata.normalize("NFKC", password)


def check_password(password: object, *, name: str = "", email: str = "") -> str:
    """The normalised password if it may be used: long enough, and not guessed early (NIST
    SP 800-63B: a blocklist of breached and common passwords, no composition rules)."""
    if not isinstance(password, str):
        raise WeakPassword("must be a string", "password")
    normal = normalise_password(password)
    if len(normal) < PASSWORD_MIN:
        raise WeakPassword(f"must be at least {PASSWORD_MIN} characters", "password")
    if len(normal) > PASSWORD_MAX:
        raise WeakPassword(f"must be at most {PASSWORD_MAX} characters", "password")
    problem = guessability_problem(normal, context=(name, email))
    if problem is not None:
        raise WeakPassword(problem, "password")
    return normal


def email_key(email: str) -> str:
    """The form two addresses are compared in: one account per address, whatever its case."""
    return email.strip().casefold()


class LinkPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


@dataclass(eq=False, kw_only=True)
class AccountLink:
    """A one-time link mailed to an account: only the hash of its secret is kept."""

    id: uuid.UUID
    account_id: uuid.UUID
    purpose: LinkPurpose
    secret_hash: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None

    def use(self, purpose: LinkPurpose, now: datetime) -> None:
        """Spend the link: refused when it is for something else, expired, or spent."""
        if purpose is not self.purpose:
            raise InvalidLink("this link is not valid here")
        if self.used_at is not None:
            raise LinkGone("this link was already used: ask for a new one")
        if now >= self.expires_at:
            raise LinkGone("this link has expired: ask for a new one")
        self.used_at = check_aware(now)


@dataclass(frozen=True)
class AttemptLimit:
    """At most `attempts` of something (failed sign-ins, sign-ups) in any `window`."""

    attempts: int
    window: timedelta
    #: What is counted, in words: "failed sign-ins".
    what: str = "failed sign-ins"

    def check(self, attempt_times: list[datetime], now: datetime, who: str) -> None:
        """Refuse while `attempt_times` (inside the window) reach the limit; say how long."""
        recent = sorted(t for t in attempt_times if t > now - self.window)
        if len(recent) < self.attempts:
            return
        # Free again when enough of the counted attempts have left the window.
        frees_at = recent[len(recent) - self.attempts] + self.window
        retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
        raise TooManyAttempts(
            f"too many {self.what} for this {who}; try again in {retry_after} seconds",
            retry_after,
        )


class NoticeKind(StrEnum):
    """What an owner is told of by mail, at most once per `NOTICE_PERIOD` each."""

    #: Someone tried to sign up with the owner's address.
    SIGN_UP_ATTEMPTED = "sign_up_attempted"
    #: Wrong passwords are being typed for the owner's address.
    SIGN_IN_FAILURES = "sign_in_failures"


#: One mail of each kind per period, however busy the guessers.
NOTICE_PERIOD = timedelta(hours=24)
