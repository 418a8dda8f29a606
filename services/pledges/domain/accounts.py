"""Accounts: who may act on Fundtrail, in which role, and the tokens they hold.

Tokens are signed outside the domain; here they are records: whose, until when, revoked or not.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .errors import InvalidValue, StateConflict
from .rules import check_aware, check_text

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

    @classmethod
    def open(cls, *, role: str, name: str, email: str | None, now: datetime) -> Account:
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
        )

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
