"""The pledges domain's refusals, named in the product's language.

Three families tell an entrypoint how to answer without knowing every rule:
:class:`InvalidValue` (bad input, 422), :class:`NotAllowed` (someone else's campaign or pledge,
403) and :class:`StateConflict` (right input, wrong moment, 409).
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the pledges domain refused an operation.

    ``field`` names the input to blame when there is one (``"goal_amount"``,
    ``"tiers[1].min_amount"``), so an API can answer ``errors: {field: [message]}``.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidValue(DomainError):
    """An input value that can never be accepted as given."""


class NotAllowed(DomainError):
    """The acting account may not do this to this campaign or pledge."""


class StateConflict(DomainError):
    """The input is fine but the campaign or pledge is in the wrong state for it."""


class NotFound(DomainError):
    """The operation names an account, campaign or pledge that does not exist."""


# --- invalid values ---------------------------------------------------------------------------


class InvalidAmount(InvalidValue):
    """Not a whole number of minor units between 1 and MAX_AMOUNT (bools refused)."""


class InvalidCurrency(InvalidValue):
    """Not the ISO 4217 code of a currency in use."""


class CurrencyMismatch(InvalidValue):
    """A currency other than the campaign's."""


class InvalidDeadline(InvalidValue):
    """Not a timezone-aware datetime."""


class DeadlineInPast(InvalidValue):
    """A deadline that is not after now."""


class InvalidText(InvalidValue):
    """A title, description, name, category or reason that is blank, too long or not text."""


class InvalidFundingModel(InvalidValue):
    """Neither ``all_or_nothing`` nor ``flexible``."""


class InvalidTier(InvalidValue):
    """A reward tier whose terms cannot be accepted (duplicate name, bad limit, too many)."""


class InvalidBudget(InvalidValue):
    """A planned budget that cannot be accepted (duplicate category, too many lines)."""


class UnknownTier(InvalidValue):
    """A tier id that is not one of this campaign's tiers."""


class BelowTierMinimum(InvalidValue):
    """A pledge amount below the minimum of the tier it chooses."""


# --- not allowed ------------------------------------------------------------------------------


class NotCampaignCreator(NotAllowed):
    """Only the campaign's own creator (or, for settling, an admin) may do this."""


class NotPledgeBacker(NotAllowed):
    """Only the backer who made the pledge may change or cancel it."""


# --- state conflicts --------------------------------------------------------------------------


class CampaignNotDraft(StateConflict):
    """Editing and launching happen only while the campaign is a draft."""


class CampaignNotLive(StateConflict):
    """Pledging and settling need a live campaign."""


class CampaignEnded(StateConflict):
    """The campaign already succeeded, failed or was cancelled."""


class DeadlinePassed(StateConflict):
    """The deadline has come: the campaign takes no more pledge changes and awaits settlement."""


class NotYetDue(StateConflict):
    """Settlement before the deadline."""


class TierSoldOut(StateConflict):
    """Every slot of a limited tier is taken."""


class PledgeNotActive(StateConflict):
    """The pledge was already collected, released or cancelled."""


class PledgeNotCollected(StateConflict):
    """Only collected pledges can be refunded."""


class RefundExceedsCollected(StateConflict):
    """The refund would return more than is left of what was collected."""
