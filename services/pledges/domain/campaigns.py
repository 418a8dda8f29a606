"""The Campaign aggregate: its lifecycle, its pledges' rules, settlement and refunds."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Final, Literal

from shared.languages import DEFAULT_LANGUAGE
from shared.money import format_amount

from . import events as ev
from .campaign_record import take_slot
from .charge_rules import charge_rules_for
from .collection import DEFAULT_PAYMENT_GRACE, CampaignCollection
from .errors import (
    AlreadyPledged,
    CampaignEnded,
    CampaignNotLive,
    CurrencyMismatch,
    DeadlinePassed,
    DomainError,
    NotYetDue,
    PledgeNotActive,
)
from .payments import CollectionRequest, PaymentGateway, PaymentReceipt
from .pledges import Pledge
from .revising import CampaignRevising
from .rules import (
    REASON_MAX,
    check_amount,
    check_aware,
    check_deadline,
    check_delivery_months,
    check_source,
    check_terms,
    check_text,
)
from .values import (
    BudgetLine,
    CampaignStatus,
    FundingModel,
    TierSpec,
)


class _Keep(Enum):
    KEEP = "keep"


#: Passed as ``tier_id`` to :meth:`Campaign.change_pledge` to leave the tier as it is
#: (``None`` there means "no tier").
KEEP_TIER: Final = _Keep.KEEP


class Campaign(CampaignCollection, CampaignRevising):
    """A crowdfunding campaign, its reward tiers and the tallies of its active pledges.

    Amounts are minor units of ``currency``; times are aware UTC datetimes and every operation
    takes ``now`` rather than reading a clock. Operations append events to ``events`` and never
    publish them. Pledges are separate entities, loaded beside the campaign and handed to the
    operation that needs them; ``pledged_amount``, ``backers_count`` and each tier's ``taken``
    are kept here so that one locked campaign decides every rule. Once a campaign has ended
    (settled or cancelled) those tallies stay as they were at its end, except that a pledge
    dropped for want of payment leaves ``pledged_amount`` and ``backers_count`` (collection,
    in :mod:`.collection`).
    """

    # --- lifecycle ----------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        creator_id: uuid.UUID,
        title: str,
        description: str,
        goal_amount: int,
        currency: str,
        deadline: datetime,
        funding_model: FundingModel | str,
        now: datetime,
        tiers: Sequence[TierSpec] = (),
        budget: Sequence[BudgetLine] = (),
        campaign_id: uuid.UUID | None = None,
        test_mode: bool = True,
        language: str = DEFAULT_LANGUAGE,
    ) -> Campaign:
        """Draft a new campaign, validating every term; records CampaignCreated.

        ``test_mode``: whether the payment gateway in use moves no money; where it moves
        money, the provider's charge rules apply to the currency, the goal and each tier's
        minimum (:mod:`.charge_rules`), so a campaign it could not charge is refused now
        rather than at settlement."""
        now = check_aware(now)
        terms = {
            "title": title,
            "description": description,
            "goal_amount": goal_amount,
            "currency": currency,
            "deadline": deadline,
            "funding_model": funding_model,
            "tiers": tiers,
            "budget": budget,
            "language": language,
        }
        campaign = cls(
            id=campaign_id or uuid.uuid4(),
            creator_id=creator_id,
            created_at=now,
            updated_at=now,
            test_mode=test_mode,
            **check_terms(terms, now),
        )
        campaign._check_charge_rules()
        campaign.events.append(
            ev.CampaignCreated(description=campaign.description, **campaign._terms(now))
        )
        return campaign

    def update(
        self,
        actor_id: uuid.UUID,
        *,
        now: datetime,
        title: str | None = None,
        description: str | None = None,
        goal_amount: int | None = None,
        currency: str | None = None,
        deadline: datetime | None = None,
        funding_model: FundingModel | str | None = None,
        tiers: Sequence[TierSpec] | None = None,
        budget: Sequence[BudgetLine] | None = None,
        language: str | None = None,
    ) -> None:
        """Edit a draft; ``None`` leaves a term as it is. Tiers and budget are replaced whole
        (a tier spec with an existing tier's id keeps that id). Records CampaignUpdated only if
        something changed."""
        now = check_aware(now)
        self._require_creator(actor_id)
        self._require_draft()
        # Everything is validated before anything changes, so a refusal leaves the draft as it was.
        terms = {
            "title": title,
            "description": description,
            "goal_amount": goal_amount,
            "currency": currency,
            "deadline": deadline,
            "funding_model": funding_model,
            "tiers": tiers,
            "budget": budget,
            "language": language,
        }
        changes = check_terms(
            terms, now, partial=True, previous_tiers=self.tiers, deadline=self.deadline
        )
        check_delivery_months(
            changes.get("tiers", self.tiers), changes.get("deadline", self.deadline)
        )
        before = (self._terms(now), self.description)
        previous = {name: getattr(self, name) for name in changes}
        for name, value in changes.items():
            setattr(self, name, value)
        try:
            self._check_charge_rules()
        except DomainError:
            for name, value in previous.items():
                setattr(self, name, value)
            raise
        if (self._terms(now), self.description) != before:
            self.updated_at = now
            self.events.append(ev.CampaignUpdated(description=self.description, **self._terms(now)))

    def change_cover(self, actor_id: uuid.UUID, cover_sha256: str, *, now: datetime) -> bool:
        """Show the picture named `cover_sha256` as the cover, while the campaign is a draft
        or live (an ended campaign's page is its record); False when it already is the cover.

        No campaign event is recorded: the cover is no term of the campaign, and the picture
        itself, which the ledger needs, is no domain fact (the handler announces it)."""
        now = check_aware(now)
        self._require_creator(actor_id)
        if self.status not in (CampaignStatus.DRAFT, CampaignStatus.LIVE):
            raise CampaignEnded(f"the campaign is {self.status.value}; its cover no longer changes")
        if self.cover_sha256 == cover_sha256:
            return False
        self.cover_sha256 = cover_sha256
        self.updated_at = now
        return True

    def launch(self, actor_id: uuid.UUID, *, now: datetime, test_mode: bool = True) -> None:
        """``draft → live``, if the deadline is still ahead; records CampaignLaunched.

        ``test_mode`` is decided again here, from the gateway in use at launch: pledges are
        taken from now on, so that is the gateway they meet."""
        now = check_aware(now)
        self._require_creator(actor_id)
        self._require_draft()
        check_deadline(self.deadline, now)
        # A draft made in test mode meets the provider's rules for the first time here.
        self._check_charge_rules(test_mode)
        self.status = CampaignStatus.LIVE
        self.test_mode = test_mode
        self.launched_at = self.updated_at = now
        self.events.append(ev.CampaignLaunched(**self._terms(now)))

    def cancel(
        self,
        actor_id: uuid.UUID,
        *,
        now: datetime,
        pledges: Iterable[Pledge] = (),
        gateway: PaymentGateway | None = None,
    ) -> None:
        """``draft | live → cancelled`` before the deadline, releasing every active pledge.

        ``pledges`` must be all the campaign's active pledges (none for a draft). Records
        CampaignCancelled, then a PledgeReleased per pledge.
        """
        now = check_aware(now)
        self._require_creator(actor_id)
        if self.status not in (CampaignStatus.DRAFT, CampaignStatus.LIVE):
            raise CampaignEnded(f"the campaign is already {self.status.value}")
        if self.status is CampaignStatus.LIVE and now >= self.deadline:
            raise DeadlinePassed("the deadline has passed: settle the campaign instead")
        active = self._all_active(pledges)
        if active and gateway is None:
            raise ValueError("releasing pledges needs a payment gateway")
        receipts = [gateway.release(p) for p in active] if gateway else []
        self._end(CampaignStatus.CANCELLED, now)
        self.events.append(ev.CampaignCancelled(released_count=len(active), **self._terms(now)))
        for pledge, receipt in zip(active, receipts, strict=True):
            pledge.release(receipt.reference, now)
            self.events.append(
                ev.PledgeReleased(payment_reference=receipt.reference, **ev.pledge_fields(pledge))
            )

    def settle(
        self,
        pledges: Iterable[Pledge],
        gateway: PaymentGateway,
        *,
        now: datetime,
        actor_id: uuid.UUID | None,
        is_admin: bool = False,
        payment_grace: timedelta = DEFAULT_PAYMENT_GRACE,
    ) -> bool:
        """After the deadline, request the collection of every active pledge, or release them.

        All-or-nothing campaigns succeed if the pledged total reached the goal and fail
        otherwise; flexible ones always succeed. ``pledges`` must be all the active pledges.
        ``actor_id`` is the creator's or an admin's (``is_admin``), or ``None`` for the
        platform's own scheduled settlement. Records CampaignSucceeded or CampaignFailed, then
        a PledgeReleased per pledge, or a PledgeCollected per pledge the gateway collected at
        once (the others stay collecting until the provider reports, or fail at once when the
        gateway knows they cannot be paid: the backer then has ``payment_grace``). Settling a
        settled campaign does nothing and returns False; otherwise returns True.
        """
        now = check_aware(now)
        if actor_id is not None and not is_admin:
            self._require_creator(actor_id)
        if self.status in (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED):
            return False
        if self.status is not CampaignStatus.LIVE:
            raise CampaignNotLive(f"a {self.status.value} campaign cannot be settled")
        if now < self.deadline:
            raise NotYetDue("the campaign cannot be settled before its deadline")
        active = self._all_active(pledges)
        succeeded = (
            self.funding_model is FundingModel.FLEXIBLE or self.pledged_amount >= self.goal_amount
        )
        # Every gateway call comes before any change, so one that raises changes nothing.
        requests: list[CollectionRequest] = []
        receipts: list[PaymentReceipt] = []
        if succeeded:
            requests = [gateway.request_collection(p, 1) for p in active]
        else:
            receipts = [gateway.release(p) for p in active]
        self._end(CampaignStatus.SUCCEEDED if succeeded else CampaignStatus.FAILED, now)
        outcome = ev.CampaignSucceeded if succeeded else ev.CampaignFailed
        self.events.append(
            outcome(
                pledged_amount=self.pledged_amount,
                backers_count=self.backers_count,
                **self._terms(now),
            )
        )
        if succeeded:
            for pledge, request in zip(active, requests, strict=True):
                self._requested(pledge, request, now, payment_grace)
            return True
        for pledge, receipt in zip(active, receipts, strict=True):
            pledge.release(receipt.reference, now)
            self.events.append(
                ev.PledgeReleased(payment_reference=receipt.reference, **ev.pledge_fields(pledge))
            )
        return True

    # --- pledges ------------------------------------------------------------------------------

    def pledge(
        self,
        backer_id: uuid.UUID,
        amount: int,
        *,
        now: datetime,
        tier_id: uuid.UUID | None = None,
        currency: str | None = None,
        existing: Pledge | None = None,
        pledge_id: uuid.UUID | None = None,
        source: str | None = None,
    ) -> Pledge:
        """A backer pledges ``amount``, optionally for a tier; records PledgeCreated.

        ``existing`` is the backer's active pledge to this campaign, if any: a second pledge is
        refused with :class:`AlreadyPledged`, naming the first, which stays as it was. Pledging
        again used to change the first silently, so a second form (another tab, a page kept
        open) erased a pledge and its tier; a change is :meth:`change_pledge`, asked for as one.
        ``currency``, if given, must be the campaign's. ``source`` is the share tag or
        referring host the backer came with (see :func:`~.rules.check_source`).
        """
        now = check_aware(now)
        self._require_open(now)
        if currency is not None and currency != self.currency:
            raise CurrencyMismatch(f"this campaign takes {self.currency} only", field="currency")
        amount = self._check_charge(check_amount(amount, "amount"), "amount")
        source = check_source(source)
        if existing is not None:
            self._require_backer(existing, backer_id)
            if not existing.is_active:
                raise PledgeNotActive(f"the pledge is already {existing.status.value}")
            pledged = format_amount(existing.amount, existing.currency)
            raise AlreadyPledged(
                f"you already pledged {pledged} to this campaign (pledge {existing.id}); "
                "change or cancel that pledge instead of pledging again",
                facts={
                    "pledge_id": str(existing.id),
                    "amount": existing.amount,
                    "currency": existing.currency,
                    "tier_id": None if existing.tier_id is None else str(existing.tier_id),
                },
            )
        tier = self._tier_for(tier_id, amount)
        if tier is not None:
            take_slot(tier)
        pledge = Pledge(
            id=pledge_id or uuid.uuid4(),
            campaign_id=self.id,
            backer_id=backer_id,
            amount=amount,
            currency=self.currency,
            tier_id=tier_id,
            created_at=now,
            updated_at=now,
            source=source,
        )
        self.pledged_amount += amount
        self.backers_count += 1
        self.events.append(
            ev.PledgeCreated(tier_name=tier.name if tier else None, **ev.pledge_fields(pledge))
        )
        return pledge

    def change_pledge(
        self,
        pledge: Pledge,
        actor_id: uuid.UUID,
        *,
        now: datetime,
        amount: int | None = None,
        tier_id: uuid.UUID | None | Literal[_Keep.KEEP] = KEEP_TIER,
    ) -> None:
        """The pledge's backer changes its amount and/or tier (``None``: no tier) while the
        campaign is live; records PledgeChanged if anything changed."""
        now = check_aware(now)
        self._require_backer(pledge, actor_id)
        self._require_open(now)
        new_amount = (
            pledge.amount
            if amount is None
            else self._check_charge(check_amount(amount, "amount"), "amount")
        )
        new_tier_id = pledge.tier_id if tier_id is KEEP_TIER else tier_id
        self._change(pledge, new_amount, new_tier_id, now)

    def cancel_pledge(self, pledge: Pledge, actor_id: uuid.UUID, *, now: datetime) -> None:
        """The pledge's backer withdraws it while the campaign is live, freeing its tier slot;
        records PledgeCancelled."""
        now = check_aware(now)
        self._require_backer(pledge, actor_id)
        self._require_open(now)
        pledge.cancel(now)
        if pledge.tier_id is not None:
            self.tier(pledge.tier_id).taken -= 1
        self.pledged_amount -= pledge.amount
        self.backers_count -= 1
        self.events.append(ev.PledgeCancelled(**ev.pledge_fields(pledge)))

    def refund(
        self,
        pledge: Pledge,
        actor_id: uuid.UUID,
        *,
        reason: str,
        gateway: PaymentGateway,
        now: datetime,
        amount: int | None = None,
    ) -> PaymentReceipt:
        """The creator returns ``amount`` (default: all that is left) of a collected pledge;
        records PledgeRefunded."""
        now = check_aware(now)
        self._require_own(pledge)
        self._require_creator(actor_id)
        reason = check_text(reason, "reason", max_length=REASON_MAX, multiline=True)
        if amount is not None:
            amount = check_amount(amount, "amount")
            rules = charge_rules_for(self.test_mode)
            if rules is not None:
                rules.check_fraction(amount, self.currency, "amount")
        # Checked before the gateway is asked, so a refused refund moves no money.
        amount = pledge.check_refund(amount)
        receipt = gateway.refund(pledge, amount, reason)
        pledge.refund(amount, now)
        self.events.append(
            ev.PledgeRefunded(
                collected_amount=pledge.amount,
                refunded_total=pledge.refunded_amount,
                reason=reason,
                payment_reference=receipt.reference,
                **(ev.pledge_fields(pledge) | {"amount": amount}),
            )
        )
        return receipt

    # --- internals ----------------------------------------------------------------------------

    def _check_charge_rules(self, test_mode: bool | None = None) -> None:
        """The currency, goal and tier minimums against the charge rules of the gateway
        (``test_mode``, default the campaign's): what every pledge will be charged in."""
        rules = charge_rules_for(self.test_mode if test_mode is None else test_mode)
        if rules is None:
            return
        rules.check_currency(self.currency)
        rules.check_amount(self.goal_amount, self.currency, "goal_amount")
        for index, tier in enumerate(self.tiers):
            rules.check_amount(tier.min_amount, self.currency, f"tiers[{index}].min_amount")

    def _check_charge(self, amount: int, field: str) -> int:
        """``amount`` if the campaign's payment provider can charge it."""
        rules = charge_rules_for(self.test_mode)
        if rules is not None:
            rules.check_amount(amount, self.currency, field)
        return amount

    def _change(
        self, pledge: Pledge, amount: int, tier_id: uuid.UUID | None, now: datetime
    ) -> None:
        if not pledge.is_active:
            raise PledgeNotActive(f"the pledge is already {pledge.status.value}")
        new_tier = self._tier_for(tier_id, amount)
        previous_amount, previous_tier_id = pledge.amount, pledge.tier_id
        if (amount, tier_id) == (previous_amount, previous_tier_id):
            return
        previous_tier = None if previous_tier_id is None else self.tier(previous_tier_id)
        if tier_id != previous_tier_id:
            if new_tier is not None:
                take_slot(new_tier)
            if previous_tier_id is not None:
                self.tier(previous_tier_id).taken -= 1
        pledge.change(amount, tier_id, now)
        self.pledged_amount += amount - previous_amount
        self.events.append(
            ev.PledgeChanged(
                previous_amount=previous_amount,
                previous_tier_id=previous_tier_id,
                tier_name=new_tier.name if new_tier else None,
                previous_tier_name=previous_tier.name if previous_tier else None,
                **ev.pledge_fields(pledge),
            )
        )
