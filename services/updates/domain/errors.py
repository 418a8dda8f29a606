"""The updates service's refusals, named in the product's language, each in a shared family."""

from __future__ import annotations

from shared.errors import DomainError, InvalidValue, NotAllowed, NotFound, StateConflict

__all__ = [
    "AutomaticUpdateNotEditable",
    "CommentNotFound",
    "DomainError",
    "InvalidValue",
    "NotAReader",
    "NotAllowed",
    "NotCampaignCreator",
    "NotFound",
    "StateConflict",
    "TooManyComments",
    "UnknownCampaign",
    "UpdateNotFound",
    "UpdateRetracted",
]


class UnknownCampaign(NotFound):
    """No campaign of that id (or a draft: nobody's business here)."""


class UpdateNotFound(NotFound):
    """No update of that id."""


class CommentNotFound(NotFound):
    """No comment of that id."""


class NotCampaignCreator(NotAllowed):
    """Only the campaign's creator may do this."""


class NotAReader(NotAllowed):
    """Only the campaign's backers (and its creator) may do this."""


class AutomaticUpdateNotEditable(StateConflict):
    """Automatic updates record what happened; nobody edits or retracts them."""


class UpdateRetracted(StateConflict):
    """The update was retracted: it takes no more edits or comments."""


class TooManyComments(DomainError):
    """An account commented more often than the rate limit allows (429 with Retry-After)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        #: Whole seconds until the oldest comment in the window leaves it.
        self.retry_after = retry_after
