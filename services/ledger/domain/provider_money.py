"""Entries the payment provider reports: fees and disputes, recorded once per provider reference.

The pledges service turns the provider's signed webhooks into ``payment.*`` events; the journal
records them here. A provider may report one thing twice (two webhook deliveries, two events for
one charge), so each is keyed by what it is, not by the event that carried it: a fee by its kind
and the provider's reference of the charge, a dispute by the provider's dispute id. Reported
again alike, it has no second effect (the method returns ``None``); reported again differently,
it is refused with :class:`ProviderRecordConflict`, and the first report stands.

- A fee is taken from a pledge the journal holds money of (:class:`UnknownPledge` otherwise),
  and is never larger than what that pledge contributed net of refunds
  (:class:`FeeExceedsContribution`).
- A dispute takes back at most what the pledge contributed net of refunds and disputes
  (:class:`RefundExceedsContribution`, as a refund would).
- Closing a dispute needs it opened first (:class:`NoOpenDispute`). Won, the money comes back
  (a ``dispute_reversal``); lost, no money moves, so no entry is made and the dispute is marked
  lost beside the journal (``disputes``): the money stays in ``disputed``.

Like refunds, these report money that already moved, so they are recorded even when the funds
go below zero (the balance shows a ``shortfall``), and the creator cannot reverse them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from . import accounts_chart as chart
from .accounts_chart import Posting
from .entries import Entry
from .entry_kinds import PROVIDER_ID, EntryKind
from .errors import (
    FeeExceedsContribution,
    InvalidProviderValue,
    NoOpenDispute,
    ProviderRecordConflict,
    UnknownPledge,
)
from .rules import check_id

#: A provider's reason code for a dispute (Stripe's: ``fraudulent``, ``product_not_received``…).
REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
DisputeStatus = Literal["open", "won", "lost"]
OUTCOMES: tuple[DisputeStatus, ...] = ("won", "lost")


@dataclass(frozen=True, slots=True)
class Dispute:
    """Where one card dispute stands, kept beside the journal (a lost one has no entry)."""

    #: The pledge whose money it held back.
    pledge_id: uuid.UUID
    #: What it held back, in minor units.
    amount: int
    #: ``open`` until the provider closes it ``won`` (money back) or ``lost`` (money gone).
    status: DisputeStatus
    #: The seq of its ``dispute`` entry.
    opened_seq: int


class ProviderMoney:
    """The :class:`~.journal.Journal`'s operations for money the payment provider reports."""

    currency: str
    pledge_balances: dict[uuid.UUID, int]
    #: Provider dispute id → where it stands. Load at least the dispute an operation names.
    disputes: dict[str, Dispute]
    #: (fee kind, provider reference) → the fee recorded. Load at least the one a fee names.
    fee_amounts: dict[tuple[str, str], int]

    if TYPE_CHECKING:

        def _append(
            self,
            *,
            postings: tuple[Posting, ...],
            blame: str = "amount",
            may_overdraw: bool = False,
            **fields: Any,
        ) -> Entry: ...

        def _check_money(self, amount: object, currency: object) -> int: ...

    def record_fee(
        self,
        pledge_id: uuid.UUID | str,
        fee_kind: object,
        amount: object,
        currency: object,
        payment_reference: object,
        provider_event_id: object,
        event_id: uuid.UUID | str,
        occurred_at: datetime,
        recorded_at: datetime,
    ) -> Entry | None:
        """The provider took a ``processing`` or ``platform`` fee from a collected pledge's
        money (``payment.fee_charged``); ``None`` if this fee is recorded already."""
        pledge = check_id(pledge_id, "pledge_id")
        amount = self._check_money(amount, currency)
        if fee_kind not in chart.FEE_KINDS:
            raise InvalidProviderValue(f"must be one of {', '.join(chart.FEE_KINDS)}", "fee_kind")
        assert isinstance(fee_kind, str)
        reference = _provider_id(payment_reference, "payment_reference")
        provider_event = _provider_id(provider_event_id, "provider_event_id")
        known = self.fee_amounts.get((fee_kind, reference))
        if known is not None:
            if known != amount:
                raise ProviderRecordConflict(
                    f"a {fee_kind} fee of {known} is recorded for {reference}, not {amount}",
                    "amount",
                )
            return None
        contributed = self._contributed(pledge)
        if amount > contributed:
            raise FeeExceedsContribution(
                f"pledge {pledge} has {contributed} contributed net of refunds; a fee of "
                f"{amount} is more than that",
                "amount",
            )
        entry = self._append(
            kind=EntryKind.FEE,
            amount=amount,
            postings=chart.fee_postings(amount, fee_kind),
            may_overdraw=True,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            category=fee_kind,
            pledge_id=pledge,
            event_id=check_id(event_id, "event_id"),
            provider_reference=reference,
            provider_event_id=provider_event,
        )
        return entry

    def open_dispute(
        self,
        pledge_id: uuid.UUID | str,
        dispute_reference: object,
        amount: object,
        currency: object,
        reason: object,
        provider_event_id: object,
        event_id: uuid.UUID | str,
        occurred_at: datetime,
        recorded_at: datetime,
    ) -> Entry | None:
        """A card dispute held ``amount`` of a pledge's money back (``payment.dispute_opened``);
        ``None`` if this dispute is recorded already."""
        pledge = check_id(pledge_id, "pledge_id")
        amount = self._check_money(amount, currency)
        reference = _provider_id(dispute_reference, "dispute_reference")
        provider_event = _provider_id(provider_event_id, "provider_event_id")
        if not isinstance(reason, str) or not REASON_CODE.fullmatch(reason):
            raise InvalidProviderValue("must be the provider's reason code", "reason")
        known = self.disputes.get(reference)
        if known is not None:
            if (known.pledge_id, known.amount) != (pledge, amount):
                raise ProviderRecordConflict(
                    f"dispute {reference} is recorded for {known.amount} of pledge "
                    f"{known.pledge_id}",
                    "dispute_reference",
                )
            return None
        self._contributed(pledge)
        entry = self._append(
            kind=EntryKind.DISPUTE,
            amount=amount,
            postings=chart.dispute_postings(amount),
            may_overdraw=True,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            memo=reason,
            pledge_id=pledge,
            event_id=check_id(event_id, "event_id"),
            provider_reference=reference,
            provider_event_id=provider_event,
        )
        return entry

    def close_dispute(
        self,
        pledge_id: uuid.UUID | str,
        dispute_reference: object,
        amount: object,
        currency: object,
        outcome: object,
        provider_event_id: object,
        event_id: uuid.UUID | str,
        occurred_at: datetime,
        recorded_at: datetime,
    ) -> Entry | None:
        """The provider closed a dispute (``payment.dispute_closed``): won, its money comes
        back with a ``dispute_reversal`` entry (returned); lost, the dispute is marked lost and
        no entry is made (``None``, as for a close recorded already)."""
        pledge = check_id(pledge_id, "pledge_id")
        amount = self._check_money(amount, currency)
        reference = _provider_id(dispute_reference, "dispute_reference")
        provider_event = _provider_id(provider_event_id, "provider_event_id")
        if outcome not in OUTCOMES:
            raise InvalidProviderValue("must be won or lost", "outcome")
        assert outcome == "won" or outcome == "lost"
        dispute = self.disputes.get(reference)
        if dispute is None:
            raise NoOpenDispute(f"no dispute {reference} was opened", "dispute_reference")
        if (dispute.pledge_id, dispute.amount) != (pledge, amount):
            raise ProviderRecordConflict(
                f"dispute {reference} held {dispute.amount} of pledge {dispute.pledge_id}",
                "dispute_reference",
            )
        if dispute.status != "open":
            if dispute.status != outcome:
                raise ProviderRecordConflict(
                    f"dispute {reference} was closed {dispute.status} already", "outcome"
                )
            return None
        if outcome == "lost":
            self.disputes[reference] = replace(dispute, status="lost")
            return None
        return self._append(
            kind=EntryKind.DISPUTE_REVERSAL,
            amount=amount,
            postings=chart.dispute_reversal_postings(amount),
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            pledge_id=pledge,
            event_id=check_id(event_id, "event_id"),
            provider_reference=reference,
            provider_event_id=provider_event,
        )

    def _apply_provider_entry(self, entry: Entry) -> None:
        """Keep the keys of a provider entry just appended (or replayed)."""
        reference = entry.provider_reference
        if reference is None or entry.pledge_id is None:
            return
        if entry.kind is EntryKind.FEE and entry.category is not None:
            self.fee_amounts[(entry.category, reference)] = entry.amount
        elif entry.kind is EntryKind.DISPUTE:
            self.disputes[reference] = Dispute(entry.pledge_id, entry.amount, "open", entry.seq)
        elif entry.kind is EntryKind.DISPUTE_REVERSAL and reference in self.disputes:
            self.disputes[reference] = replace(self.disputes[reference], status="won")

    def _contributed(self, pledge: uuid.UUID) -> int:
        """What ``pledge`` contributed net of refunds and disputes; :class:`UnknownPledge` if
        the journal never held its money (a pledge not loaded counts as unknown)."""
        contributed = self.pledge_balances.get(pledge)
        if contributed is None:
            raise UnknownPledge(
                f"this campaign's books hold no money of pledge {pledge}", "pledge_id"
            )
        return contributed


def _provider_id(value: object, field: str) -> str:
    if not isinstance(value, str) or not PROVIDER_ID.fullmatch(value):
        raise InvalidProviderValue("must be the payment provider's id", field)
    return value
