"""A creator's payout account: where the provider pays their campaigns, and whether it can yet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from shared.errors import NotFound, StateConflict

#: Said when no money moves here, so a creator never goes looking for a payout account.
NOT_NEEDED = (
    "this installation is in test mode and moves no money: no payout account is needed, "
    "and campaigns launch without one"
)
#: Said when a creator asks for the state of an account they have not started setting up.
NONE_YET = "no payout account yet: start setting up payouts first"
#: The launch refusal: what is missing and what to do about it.
NOT_READY_TO_LAUNCH = (
    "Connect a payout account before launching: this campaign takes real money, and it can "
    "only be paid to you once your payout account can accept charges. {state}"
)


class PayoutsNotNeeded(StateConflict):
    """No money moves in this installation (test mode): there is nothing to pay out."""


class NoPayoutAccount(NotFound):
    """The creator has not started setting up a payout account."""


class PayoutAccountNotReady(StateConflict):
    """A campaign that takes real money cannot launch before its creator can be paid."""


@dataclass(frozen=True, slots=True)
class PayoutAccountState:
    """One creator's connected account at the provider, as the provider last told us."""

    #: The Fundtrail account (a creator) the money is for.
    creator_id: uuid.UUID
    #: The provider's account id (`acct_…`).
    account_id: str
    #: The creator has given the provider everything it asked for (so far).
    details_submitted: bool
    #: The account can take charges: campaigns paid into it may launch.
    charges_enabled: bool
    #: The provider may pay the balance out to the creator's bank.
    payouts_enabled: bool
    #: When the provider said so (its event's `created`, or the moment we read the account):
    #: an older word never overwrites a newer one.
    updated_at: datetime

    @classmethod
    def started(cls, creator_id: uuid.UUID, account_id: str, now: datetime) -> PayoutAccountState:
        """A freshly made account: nothing submitted, nothing enabled."""
        return cls(creator_id, account_id, False, False, False, now)

    def told(
        self,
        *,
        details_submitted: bool,
        charges_enabled: bool,
        payouts_enabled: bool,
        at: datetime,
    ) -> PayoutAccountState | None:
        """The state after the provider's word of `at`; None if that word is older than ours.

        Stripe dates its events in whole seconds, so a word from the very second we made or
        read the account counts as newer: keeping it risks nothing (it holds the account's
        whole state), dropping it could leave charges disabled here for good."""
        if at < self.updated_at.replace(microsecond=0):
            return None
        return replace(
            self,
            details_submitted=details_submitted,
            charges_enabled=charges_enabled,
            payouts_enabled=payouts_enabled,
            updated_at=at,
        )

    def describe(self) -> str:
        """Where the set-up stands, in words for the creator."""
        if not self.details_submitted:
            return "Your payout account is not finished: finish setting up payouts."
        if not self.charges_enabled:
            return (
                "Your details were submitted; the payment provider has not enabled charges yet "
                "(it may still be checking them, or need more)."
            )
        return "Your payout account can accept charges."


def check_ready_to_launch(account: PayoutAccountState | None, *, moves_money: bool) -> None:
    """Refuse to launch a campaign taking real money until its creator can be paid."""
    if not moves_money:
        return
    if account is None:
        raise PayoutAccountNotReady(
            NOT_READY_TO_LAUNCH.format(state="You have not started setting up payouts.")
        )
    if not account.charges_enabled:
        raise PayoutAccountNotReady(NOT_READY_TO_LAUNCH.format(state=account.describe()))
