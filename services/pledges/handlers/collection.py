"""Handlers for collecting a succeeded campaign's pledges after settlement asked for the money:
the provider's answers (paid, failed), a retry once the card is fixed, and dropping the pledges
whose grace period ran out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.pledges import commands
from services.pledges.domain import DEFAULT_PAYMENT_GRACE, PaymentGateway, Pledge
from services.pledges.domain.errors import DomainError, NotPledgeBacker
from services.pledges.handlers.common import Clock, gateway_for, locked_pledge, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class PaymentResult:
    """What a provider's answer did to the pledge."""

    pledge: Pledge
    #: False when the answer was a repeat or stale, and nothing changed.
    changed: bool


def collection_succeeded(
    command: commands.CollectionSucceeded, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> PaymentResult:
    """The money arrived: the pledge is collected (once, however often this is reported)."""
    with uow:
        result = apply_succeeded(command, uow, clock())
        if result.changed:
            uow.commit()
    return result


def apply_succeeded(
    command: commands.CollectionSucceeded, uow: PledgesUnitOfWork, now: datetime
) -> PaymentResult:
    """`collection_succeeded` within a unit of work the caller opened and commits (a webhook
    records its Stripe event in the same transaction)."""
    campaign, pledge = locked_pledge(uow, command.pledge_id)
    changed = campaign.collection_succeeded(
        pledge, command.reference, now=now, fee_amount=command.fee_amount
    )
    if not changed and pledge.payment_reference != command.reference:
        # Two attempts both took money: whoever talks to the provider should refund one.
        log.warning(
            "collection.paid_twice",
            pledge_id=str(pledge.id),
            kept=pledge.payment_reference,
            reported=command.reference,
        )
    if changed:
        uow.pledges.save(pledge)
        uow.campaigns.save_state(campaign)
    return PaymentResult(pledge, changed)


def collection_failed(
    command: commands.CollectionFailed,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> PaymentResult:
    """The money did not arrive: the pledge's payment failed, and its backer has until
    `retry_until` (or now plus `payment_grace`, the setting FUNDTRAIL_PAYMENT_GRACE) to fix it.
    A repeated report, or one about an earlier attempt or a paid pledge, changes nothing."""
    with uow:
        result = apply_failed(command, uow, clock(), payment_grace)
        if result.changed:
            uow.commit()
    return result


def apply_failed(
    command: commands.CollectionFailed,
    uow: PledgesUnitOfWork,
    now: datetime,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> PaymentResult:
    """`collection_failed` within a unit of work the caller opened and commits."""
    campaign, pledge = locked_pledge(uow, command.pledge_id)
    changed = campaign.collection_failed(
        pledge,
        command.reference,
        command.reason_code,
        now=now,
        retry_until=command.retry_until or now + payment_grace,
    )
    if changed:
        uow.pledges.save(pledge)
    return PaymentResult(pledge, changed)


def retry_collection(
    command: commands.RetryCollection,
    uow: PledgesUnitOfWork,
    gateway: PaymentGateway,
    clock: Clock = utc_now,
    payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
) -> Pledge:
    """Ask for a failed pledge's money again, within its grace period (the next attempt)."""
    with uow:
        campaign, pledge = locked_pledge(uow, command.pledge_id)
        if command.actor_id is not None and command.actor_id != pledge.backer_id:
            raise NotPledgeBacker("only the pledge's backer may pay for it")
        campaign.retry_collection(
            pledge, gateway_for(gateway, campaign, uow), now=clock(), payment_grace=payment_grace
        )
        uow.pledges.save(pledge)
        uow.campaigns.save_state(campaign)
        uow.commit()
    return pledge


def drop_unpaid(
    uow_factory: Callable[[], PledgesUnitOfWork], clock: Clock = utc_now
) -> list[Pledge]:
    """Drop every pledge whose payment failed and whose grace period is over, each in its own
    transaction (re-checked under its campaign's lock: a payment may have arrived meanwhile).
    Returns those it dropped."""
    now = clock()
    with uow_factory() as uow:
        due = uow.pledges.due_to_drop(now)
    dropped: list[Pledge] = []
    for pledge_id in due:
        try:
            with uow_factory() as uow:
                campaign, pledge = locked_pledge(uow, pledge_id)
                if campaign.drop_pledge(pledge, now=now):
                    uow.pledges.save(pledge)
                    uow.campaigns.save_state(campaign)
                    uow.commit()
                    dropped.append(pledge)
                    log.info("collection.dropped", pledge_id=str(pledge_id))
        except DomainError as exc:
            log.warning("collection.drop_refused", pledge_id=str(pledge_id), reason=exc.message)
    return dropped
