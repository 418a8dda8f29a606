"""The ledger domain's refusals, named in the product's language.

Four families tell an entrypoint how to answer without knowing every rule:
:class:`InvalidValue` (bad input, 422), :class:`NotAllowed` (someone else's campaign, 403),
:class:`NotFound` (an entry that does not exist, 404) and :class:`StateConflict` (right input,
but the books as they stand refuse it, 409).
"""

from __future__ import annotations

from shared.errors import DomainError, InvalidValue, NotAllowed, NotFound, StateConflict

#: The ledger's refusals are the shared domain errors; the name reads better in ledger code.
LedgerError = DomainError

__all__ = ["DomainError", "InvalidValue", "LedgerError", "NotAllowed", "NotFound", "StateConflict"]


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


class NotReversible(StateConflict):
    """The entry moved pledge money (a contribution, a refund, or a reversal of one recorded
    before this rule): that money changes only through pledge events, never by a reversal."""


class RefundExceedsContribution(StateConflict):
    """A pledge would have more refunded than was contributed through it."""


class ReceiptAlreadyUsed(StateConflict):
    """The receipt already backs an expense in force, and no reason was given to reuse it."""


# --- money the payment provider reports -------------------------------------------------------


class InvalidProviderValue(InvalidValue):
    """A provider's id, fee kind, reason code or dispute outcome the ledger cannot read."""


class UnknownPledge(StateConflict):
    """The provider reports a fee or dispute for a pledge this journal holds no money of."""


class FeeExceedsContribution(StateConflict):
    """A fee larger than what the pledge contributed (net of refunds)."""


class NoOpenDispute(StateConflict):
    """A dispute closed that this journal never saw opened."""


class ProviderRecordConflict(StateConflict):
    """The provider reports, under a reference already recorded, something different (another
    amount, pledge or outcome): the books keep the first and a person must look."""
