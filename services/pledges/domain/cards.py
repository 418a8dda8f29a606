"""Backers' saved cards: when a pledge may take a card, and the provider's word that one was saved.

Only the provider's ids are kept (a customer, a hosted checkout page, a payment method); the
card itself never reaches Fundtrail.
"""

from __future__ import annotations

import re
from datetime import datetime

from .campaign_record import CampaignRecord
from .errors import CardNotNeeded, InvalidCardSetup
from .pledges import Pledge
from .rules import check_aware
from .values import CampaignStatus, PledgeStatus

#: Stripe's ids: a prefix, an underscore, then letters and digits. Checked so that nothing else
#: (say, card details pasted by mistake) can be stored where an id belongs.
_PAYMENT_METHOD_ID = re.compile(r"pm_[A-Za-z0-9_]{1,250}")
_CHECKOUT_SESSION_ID = re.compile(r"cs_[A-Za-z0-9_]{1,250}")


def check_card_setup(campaign: CampaignRecord, pledge: Pledge, now: datetime) -> None:
    """Why the pledge cannot take a card now, if it cannot: a pledge takes one while its
    campaign is live, and a failed payment takes one during its grace period (to pay again)."""
    now = check_aware(now)
    if pledge.campaign_id != campaign.id:
        raise ValueError(f"pledge {pledge.id} belongs to another campaign")
    if pledge.status is PledgeStatus.PAYMENT_FAILED:
        pledge.check_retry(now)
        return
    if pledge.status is not PledgeStatus.PLEDGED:
        raise CardNotNeeded(f"the pledge is {pledge.status.value}: it needs no card now")
    if campaign.status is not CampaignStatus.LIVE or now >= campaign.deadline:
        raise CardNotNeeded("the campaign is over: its pledges take no new card")


def claim_card_setup(pledge: Pledge, now: datetime) -> int:
    """The next attempt at a hosted page for this pledge (each is keyed apart at the provider)."""
    pledge.card_setup_attempt += 1
    pledge.updated_at = check_aware(now)
    return pledge.card_setup_attempt


def begin_card_setup(pledge: Pledge, session_id: str, attempt: int, now: datetime) -> bool:
    """Remember the hosted page opened for attempt ``attempt``: only the latest page's answer
    counts. False (nothing changes) if a later attempt was claimed meanwhile."""
    _check_id(_CHECKOUT_SESSION_ID, session_id, "checkout_session_id")
    if attempt != pledge.card_setup_attempt:
        return False
    pledge.checkout_session_id = session_id
    pledge.updated_at = check_aware(now)
    return True


def save_card(pledge: Pledge, session_id: str, payment_method_id: str, now: datetime) -> bool:
    """The provider says the card of page ``session_id`` is saved as ``payment_method_id``.

    False (nothing changes) when the page is not the pledge's latest (a stale answer: the
    backer opened another since), when it was recorded already, or when the pledge no longer
    takes a card (paid, dropped, withdrawn)."""
    _check_id(_CHECKOUT_SESSION_ID, session_id, "checkout_session_id")
    _check_id(_PAYMENT_METHOD_ID, payment_method_id, "payment_method_id")
    if session_id != pledge.checkout_session_id:
        return False
    if pledge.payment_method_id == payment_method_id:
        return False
    if pledge.status not in (PledgeStatus.PLEDGED, PledgeStatus.PAYMENT_FAILED):
        return False
    pledge.payment_method_id = payment_method_id
    pledge.updated_at = check_aware(now)
    return True


def _check_id(pattern: re.Pattern[str], value: object, field: str) -> None:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise InvalidCardSetup("not a payment provider's id of the expected kind", field)
