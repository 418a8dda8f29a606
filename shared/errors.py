"""The families every service's domain refusals belong to, and the HTTP status of each.

A domain names its own refusals (`TierSoldOut`, `InsufficientFunds`) as subclasses of these
families, so one mapping answers all of them without knowing every rule.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A rule of a service's domain refused an operation.

    ``field`` names the input to blame when there is one (``"goal_amount"``,
    ``"tiers[1].min_amount"``), so an API can answer ``errors: {field: [message]}``.

    ``facts`` are the refusal's figures and names as data (``{"needed": 4250, "available":
    3750, "currency": "EUR"}``), answered as RFC 9457 extension members: a client then words
    and formats them for its reader (amounts in the reader's notation, never minor units)
    instead of parsing ``message``. JSON values only; never a standard member's name.
    """

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        facts: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.facts: dict[str, object] = dict(facts or {})


class InvalidValue(DomainError):
    """An input value that can never be accepted as given (422)."""


class NotAllowed(DomainError):
    """The acting account may not do this (403)."""


class NotFound(DomainError):
    """The operation names something that does not exist, or that the caller may not see (404)."""


class StateConflict(DomainError):
    """The input is fine but the state of things refuses it (409)."""


#: The HTTP status of each family, most specific first.
FAMILY_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidValue, 422),
    (NotAllowed, 403),
    (NotFound, 404),
    (StateConflict, 409),
)
