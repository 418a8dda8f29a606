"""The pledges domain's refusals, named in the product's language, in the shared families
(shared/errors.py) that tell an entrypoint how to answer without knowing every rule."""

from __future__ import annotations

from shared.errors import DomainError, InvalidValue, NotAllowed, NotFound, StateConflict

__all__ = ["DomainError", "InvalidValue", "NotAllowed", "NotFound", "StateConflict"]


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


class InvalidSource(InvalidValue):
    """A pledge's source that is neither a short tag nor a host name (a link, a path, 10 KB)."""


class InvalidFundingModel(InvalidValue):
    """Neither ``all_or_nothing`` nor ``flexible``."""


class InvalidLanguage(InvalidValue):
    """Not one of the languages Fundtrail speaks (``en``, ``id``)."""


class InvalidTier(InvalidValue):
    """A reward tier whose terms cannot be accepted (duplicate name, bad limit, too many)."""


class InvalidDeliveryMonth(InvalidValue):
    """A tier's estimated delivery month that is not ``YYYY-MM`` or lies before the deadline."""


class LockedAfterLaunch(StateConflict):
    """A term backers pledged on (an amount, the goal, the deadline, the funding model) that
    cannot change once the campaign is live."""


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


class AlreadyPledged(StateConflict):
    """The backer already holds an active pledge to the campaign: it is changed, never
    replaced by a second one."""


class TierSoldOut(StateConflict):
    """Every slot of a limited tier is taken."""


class PledgeNotActive(StateConflict):
    """The pledge was already collected, released or cancelled."""


class PledgeNotCollected(StateConflict):
    """Only collected pledges can be refunded."""


class RefundExceedsCollected(StateConflict):
    """The refund would return more than is left of what was collected."""


class PledgeNotCollecting(StateConflict):
    """A payment result for a pledge nobody asked to pay (pledged, released or cancelled)."""


class PaymentNotFailed(StateConflict):
    """Only a pledge whose payment failed can be paid again."""


class PaymentGraceOver(StateConflict):
    """The time to fix a failed payment has run out: the pledge is, or is about to be, dropped."""


class InvalidPaymentResult(InvalidValue):
    """A payment provider's answer that cannot be recorded (a malformed reason or fee)."""


# --- saved cards ------------------------------------------------------------------------------


class CardsNotTaken(StateConflict):
    """This installation takes no real payments (test mode): a pledge needs no card."""


class CardNotNeeded(PledgeNotActive):
    """The pledge is not in a state to take a card: paid, being paid, dropped or withdrawn."""


class InvalidCardSetup(InvalidValue):
    """A provider's answer about a saved card that is not shaped like one."""
