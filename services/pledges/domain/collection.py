"""Collecting a succeeded campaign's pledges: requested, then paid, failed, retried or dropped.

The provider answers later than settlement (a webhook), so each answer is an operation of its
own on the campaign, which keeps the tallies and records the events. Answers may come twice or
out of order: a repeated or stale one changes nothing and returns False.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from . import events as ev
from .campaign_record import CampaignRecord
from .errors import InvalidPaymentResult
from .payments import CollectionOutcome, CollectionRequest, PaymentGateway
from .pledges import Pledge
from .rules import check_aware
from .values import PledgeStatus

#: How long a backer has to fix a failed payment before the pledge drops (Kickstarter: 7 days).
#: The setting FUNDTRAIL_PAYMENT_GRACE overrides it; handlers take it as a parameter.
DEFAULT_PAYMENT_GRACE = timedelta(days=7)
#: A provider's reason for a failure is a short code, so nothing else (say, card details)
#: can ride in it into events and pages.
REASON_CODE = re.compile(r"[a-z0-9_]{1,64}")
#: The reason when the backer's bank wants them present (strong customer authentication):
#: Stripe's decline code, kept as it is.
AUTHENTICATION_REQUIRED = "authentication_required"


class CampaignCollection(CampaignRecord):
    """The collection half of :class:`~.campaigns.Campaign`."""

    def collection_succeeded(
        self, pledge: Pledge, reference: str, *, now: datetime, fee_amount: int | None = None
    ) -> bool:
        """The provider says the pledge's money arrived (attempt ``reference``); records
        PledgeCollected. A dropped pledge paid late counts again. False if already collected."""
        now = check_aware(now)
        self._require_own(pledge)
        if fee_amount is not None and (
            not isinstance(fee_amount, int) or isinstance(fee_amount, bool) or not fee_amount >= 0
        ):
            raise InvalidPaymentResult("a fee is a whole number of minor units", "fee_amount")
        if fee_amount is not None and fee_amount > pledge.amount:
            raise InvalidPaymentResult("a fee cannot exceed what was paid", "fee_amount")
        was_dropped = pledge.status is PledgeStatus.DROPPED
        if not pledge.collect(reference, now):
            return False
        if was_dropped:
            self.pledged_amount += pledge.amount
            self.backers_count += 1
        self.events.append(
            ev.PledgeCollected(
                payment_reference=reference, fee_amount=fee_amount, **ev.pledge_fields(pledge)
            )
        )
        return True

    def collection_failed(
        self,
        pledge: Pledge,
        reference: str,
        reason_code: str,
        *,
        now: datetime,
        retry_until: datetime,
    ) -> bool:
        """The provider could not take the money for attempt ``reference``; the backer has
        until ``retry_until`` to fix it, or until the first failure's deadline if the payment
        failed before. Records PledgePaymentFailed. False for a repeated or stale report."""
        now = check_aware(now)
        retry_until = check_aware(retry_until, "retry_until")
        self._require_own(pledge)
        if not isinstance(reason_code, str) or not REASON_CODE.fullmatch(reason_code):
            raise InvalidPaymentResult(
                "a failure's reason is a short code of lower-case letters, digits and _",
                "reason_code",
            )
        if not pledge.fail_collection(reference, reason_code, retry_until, now):
            return False
        assert pledge.grace_ends_at is not None
        self.events.append(
            ev.PledgePaymentFailed(
                payment_reference=reference,
                reason_code=reason_code,
                retry_until=pledge.grace_ends_at,
                **ev.pledge_fields(pledge),
            )
        )
        return True

    def retry_collection(
        self,
        pledge: Pledge,
        gateway: PaymentGateway,
        *,
        now: datetime,
        payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
    ) -> CollectionRequest:
        """Ask for a failed pledge's money again (the backer changed the card), within the
        grace period; an answer the gateway knows at once is applied at once (a failure keeps
        the first failure's deadline)."""
        now = check_aware(now)
        self._require_own(pledge)
        pledge.check_retry(now)  # refused before the gateway is asked
        request = gateway.request_collection(pledge, pledge.collection_attempt + 1)
        self._requested(pledge, request, now, payment_grace)
        return request

    def drop_pledge(self, pledge: Pledge, *, now: datetime) -> bool:
        """A failed pledge whose grace period is over stops counting; records PledgeDropped.
        False if it is not due (paid or fixed in time, or dropped already)."""
        now = check_aware(now)
        self._require_own(pledge)
        if not pledge.drop(now):
            return False
        # Totals show what is paid or still owed; a dropped pledge is neither (like a
        # cancelled one). Its tier slot stays taken: the campaign is over, slots mean nothing.
        self.pledged_amount -= pledge.amount
        self.backers_count -= 1
        self.events.append(ev.PledgeDropped(**ev.pledge_fields(pledge)))
        return True

    def _requested(
        self,
        pledge: Pledge,
        request: CollectionRequest,
        now: datetime,
        payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
    ) -> None:
        if request.pledge_id != pledge.id or request.amount != pledge.amount:
            raise ValueError(f"the gateway answered for another pledge or amount: {request}")
        pledge.request_collection(request.reference, request.attempt, now)
        if request.outcome is CollectionOutcome.SUCCEEDED:
            self.collection_succeeded(
                pledge, request.reference, now=now, fee_amount=request.fee_amount
            )
        elif request.outcome is CollectionOutcome.FAILED:
            # Known at once (no card, declined on the spot): the same failure a provider's
            # report would be, so a report about the same attempt that follows changes nothing.
            self.collection_failed(
                pledge,
                request.reference,
                request.reason_code or "payment_failed",
                now=now,
                retry_until=now + payment_grace,
            )
