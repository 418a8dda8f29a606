"""Handlers for creators' payout accounts: set one up at the provider, read its state, follow
the provider's word on it, and the launch rule that needs it."""

from __future__ import annotations

import uuid

from services.pledges import commands
from services.pledges.domain.payment_provider import (
    OnboardingLink,
    PaymentProvider,
    PaymentProviderError,
)
from services.pledges.domain.payouts import (
    NONE_YET,
    NOT_NEEDED,
    NoPayoutAccount,
    PayoutAccountState,
    PayoutsNotNeeded,
    check_ready_to_launch,
)
from services.pledges.handlers.common import Clock, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.logging import get_logger

log = get_logger(__name__)

#: Where the provider sends the creator back, on the site: the console's payouts section. An
#: expired link lands there too, where one press of the button makes a new one.
PAYOUTS_PAGE = "/console/payouts"


def start_payout_onboarding(
    command: commands.StartPayoutOnboarding,
    uow: PledgesUnitOfWork,
    payments: PaymentProvider | None,
    site_url: str,
    clock: Clock = utc_now,
) -> OnboardingLink:
    """Make the creator's payout account once, then a fresh link to the provider's set-up."""
    if payments is None:
        raise PayoutsNotNeeded(NOT_NEEDED)
    with uow:
        state = uow.payout_accounts.of_creator(command.creator_id)
        if state is None:
            account = uow.accounts.get(command.creator_id)
            # Keyed on the creator: a retry, or two requests racing, get the same account.
            account_id = payments.create_payout_account(
                command.creator_id, email=account.email if account else None
            )
            uow.payout_accounts.add_if_absent(
                PayoutAccountState.started(command.creator_id, account_id, clock())
            )
            uow.commit()
            state = uow.payout_accounts.of_creator(command.creator_id)
            assert state is not None
    page = site_url.rstrip("/") + PAYOUTS_PAGE
    return payments.onboarding_link(
        state.account_id, request_id=command.request_id, refresh_url=page, return_url=page
    )


def payout_account(
    creator_id: uuid.UUID,
    uow: PledgesUnitOfWork,
    payments: PaymentProvider | None,
    clock: Clock = utc_now,
) -> PayoutAccountState:
    """The creator's payout account as the provider sees it now: read back from the provider
    while charges are not enabled, so the console is current even if its webhook is late.
    Nothing is written (a read writes nothing); a launch stores what it reads."""
    with uow:
        state = uow.payout_accounts.of_creator(creator_id)
    if state is None:
        raise NoPayoutAccount(NONE_YET)
    return refreshed(state, payments, clock)


def refreshed(
    state: PayoutAccountState, payments: PaymentProvider | None, clock: Clock = utc_now
) -> PayoutAccountState:
    """`state`, read again from the provider while charges are not enabled; the stored state
    when the provider does not answer (it is what we last knew, and the webhook will follow)."""
    if state.charges_enabled or payments is None:
        return state
    try:
        read = payments.read_payout_account(state.account_id)
    except PaymentProviderError as error:
        log.warning("payout_account.read_failed", account_id=state.account_id, error=str(error))
        return state
    newer = state.told(
        details_submitted=read.details_submitted,
        charges_enabled=read.charges_enabled,
        payouts_enabled=read.payouts_enabled,
        at=clock(),
    )
    return newer or state


def payout_account_updated(command: commands.PayoutAccountUpdated, uow: PledgesUnitOfWork) -> bool:
    """The provider's word on an account (`account.updated`): `apply_payout_account_updated` in
    a transaction of its own."""
    with uow:
        changed = apply_payout_account_updated(command, uow)
        if changed:
            uow.commit()
    return changed


def apply_payout_account_updated(
    command: commands.PayoutAccountUpdated, uow: PledgesUnitOfWork
) -> bool:
    """Kept unless we hold a newer word, within a unit of work the caller opened and commits (a
    webhook commits it with its inbox row). True if the stored state changed; an account we
    never made is logged and ignored."""
    state = uow.payout_accounts.by_account_id(command.account_id, for_update=True)
    if state is None:
        log.info("payout_account.unknown", account_id=command.account_id)
        return False
    newer = state.told(
        details_submitted=command.details_submitted,
        charges_enabled=command.charges_enabled,
        payouts_enabled=command.payouts_enabled,
        at=command.occurred_at,
    )
    if newer is None:
        log.info(
            "payout_account.stale_update",
            account_id=command.account_id,
            occurred_at=command.occurred_at.isoformat(),
        )
        return False
    uow.payout_accounts.save(newer)
    return newer != state


def check_payout_account(
    uow: PledgesUnitOfWork,
    creator_id: uuid.UUID,
    *,
    moves_money: bool,
    payments: PaymentProvider | None,
    clock: Clock = utc_now,
) -> None:
    """Inside a launch's unit of work: refuse unless the creator can be paid, reading the
    account back from the provider (and keeping what it says) when our copy says not yet."""
    if not moves_money:
        return
    state = uow.payout_accounts.of_creator(creator_id, for_update=True)
    if state is not None and not state.charges_enabled:
        fresh = refreshed(state, payments, clock)
        if fresh != state:
            uow.payout_accounts.save(fresh)
            state = fresh
    check_ready_to_launch(state, moves_money=moves_money)
