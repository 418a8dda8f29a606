"""The ledger domain's refusals, named in the product's language.

Four families tell an entrypoint how to answer without knowing every rule:
:class:`InvalidValue` (bad input, 422), :class:`NotAllowed` (someone else's campaign, 403),
:class:`NotFound` (an entry that does not exist, 404) and :class:`StateConflict` (right input,
but the books as they stand refuse it, 409).
"""

from __future__ import annotations


class LedgerError(Exception):
    """A rule of the ledger domain refused an operation.

    ``field`` names the input to blame when there is one (``"amount"``, ``"receipt_sha256"``),
    so an API can answer ``errors: {field: [message]}``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(LedgerError):
    """An input value that can never be accepted as given."""


class NotAllowed(LedgerError):
    """The acting account may not do this to this campaign's books."""


class NotFound(LedgerError):
    """The operation names something the journal does not hold."""


class StateConflict(LedgerError):
    """The input is fine but the books as they stand refuse it."""


# --- invalid values ---------------------------------------------------------------------------


class InvalidAmount(InvalidValue):
    """Not a whole number of minor units between 1 and MAX_AMOUNT (bools refused)."""


class InvalidCurrency(InvalidValue):
    """Not the ISO 4217 code of a currency in use."""


class CurrencyMismatch(InvalidValue):
    """A currency other than the campaign's."""


class InvalidText(InvalidValue):
    """A category, description, vendor or reason that is blank, too long or not text."""


class InvalidReceiptHash(InvalidValue):
    """A receipt hash that is not 64 lower-case hexadecimal digits (a SHA-256)."""


class InvalidId(InvalidValue):
    """A pledge, event or account id that is not a UUID."""


class InvalidDate(InvalidValue):
    """An expense date that is not a calendar date, or lies in the future."""


class InvalidBudget(InvalidValue):
    """A planned budget the journal cannot use (a negative line, a duplicate category)."""


# --- not allowed ------------------------------------------------------------------------------


class NotCampaignCreator(NotAllowed):
    """Only the campaign's own creator may record expenses and reversals."""


# --- not found --------------------------------------------------------------------------------


class UnknownEntry(NotFound):
    """No entry of this journal has that seq."""


# --- state conflicts --------------------------------------------------------------------------


class InsufficientFunds(StateConflict):
    """The entry would make the available balance negative."""


class AlreadyReversed(StateConflict):
    """The entry was reversed already; an entry is reversed at most once."""


class RefundExceedsContribution(StateConflict):
    """A pledge would have more refunded than was contributed through it."""
