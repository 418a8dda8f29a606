"""The wire form of the pledges domain's events: envelopes for `pledges.events`."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import datetime
from typing import Any

from services.pledges.domain import events as domain
from services.pledges.domain.accounts import Account, AccountLink, ApiToken, NoticeKind
from shared import topics
from shared.events import Envelope, new_envelope
from shared.images import REPORT_WIDTH, Picture

PRODUCER = "pledges"

#: Event class → (wire type, the campaign status it leaves behind, for campaign events).
_TYPES: dict[type[domain.Event], tuple[str, str | None]] = {
    domain.CampaignCreated: ("campaign.created", "draft"),
    domain.CampaignUpdated: ("campaign.updated", "draft"),
    # A live (or funded) campaign's revision carries its own status.
    domain.CampaignRevised: ("campaign.updated", None),
    domain.CampaignLaunched: ("campaign.launched", "live"),
    domain.CampaignCancelled: ("campaign.cancelled", "cancelled"),
    domain.CampaignSucceeded: ("campaign.succeeded", "succeeded"),
    domain.CampaignFailed: ("campaign.failed", "failed"),
    domain.PledgeCreated: ("pledge.created", None),
    domain.PledgeChanged: ("pledge.changed", None),
    domain.PledgeCancelled: ("pledge.cancelled", None),
    domain.PledgeCollected: ("pledge.collected", None),
    domain.PledgeReleased: ("pledge.released", None),
    domain.PledgeRefunded: ("pledge.refunded", None),
    domain.PledgePaymentFailed: ("pledge.payment_failed", None),
    domain.PledgeDropped: ("pledge.dropped", None),
}


def to_envelope(event: domain.Event) -> Envelope:
    event_type, status = _TYPES[type(event)]
    payload = {
        field.name: _plain(getattr(event, field.name))
        for field in dataclasses.fields(event)
        if field.name != "occurred_at"
    }
    if "tiers" in payload:
        payload["tiers"] = [{"tier_id": tier.pop("id"), **tier} for tier in payload["tiers"]]
    if status is not None:
        payload["status"] = status
    return new_envelope(
        event_type,
        payload,
        producer=PRODUCER,
        campaign_id=event.campaign_id,
        occurred_at=event.occurred_at,
        version=event.version,
    )


def _plain(value: Any) -> Any:
    """Domain values as the payload schema expects them: dicts, lists, plain strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def account_created(account: Account) -> Envelope:
    return new_envelope(
        "account.created",
        {
            "account_id": account.id,
            "role": account.role.value,
            "name": account.name,
            "email": account.email,
            "language": account.language,
        },
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=account.created_at,
    )


def language_changed(account: Account, at: datetime) -> Envelope:
    return new_envelope(
        "account.language_changed",
        {"account_id": account.id, "language": account.language},
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=at,
    )


def account_revoked(account: Account, reason: str) -> Envelope:
    assert account.revoked_at is not None
    return new_envelope(
        "account.revoked",
        {"account_id": account.id, "reason": reason},
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=account.revoked_at,
    )


def verification_requested(link: AccountLink, sealed_link_token: str) -> Envelope:
    """Version 2: the link's token only sealed for the updates service (shared/sealing.py)."""
    return new_envelope(
        "account.verification_requested",
        {
            "account_id": link.account_id,
            "purpose": link.purpose.value,
            "token_id": link.id,
            "expires_at": link.expires_at,
            "sealed_link_token": sealed_link_token,
        },
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=link.created_at,
        version=2,
    )


def notice_requested(account_id: uuid.UUID, kind: NoticeKind, at: datetime) -> Envelope:
    return new_envelope(
        "account.notice_requested",
        {"account_id": account_id, "kind": kind.value},
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=at,
    )


def email_verified(account_id: uuid.UUID, at: datetime) -> Envelope:
    return new_envelope(
        "account.email_verified",
        {"account_id": account_id},
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=at,
    )


def token_revoked(token: ApiToken, reason: str) -> Envelope:
    assert token.revoked_at is not None
    return new_envelope(
        "token.revoked",
        {
            "token_id": token.id,
            "account_id": token.account_id,
            "expires_at": token.expires_at,
            "reason": reason,
        },
        producer=PRODUCER,
        campaign_id=None,
        occurred_at=token.revoked_at,
    )


PLEDGE_TOPIC = topics.PLEDGES
ACCOUNT_TOPIC = topics.ACCOUNTS


def cover_changed(campaign_id: uuid.UUID, picture: Picture, occurred_at: datetime) -> Envelope:
    """The new cover, with the rendition the ledger's report shows (the services share no
    files, and the ledger asks no one)."""
    report = picture.rendition(REPORT_WIDTH)
    return new_envelope(
        "campaign.cover_changed",
        {
            "campaign_id": campaign_id,
            "sha256": picture.sha256,
            "widths": picture.widths,
            "report_jpeg": report.jpeg,
            "report_width": report.width,
            "report_height": report.height,
        },
        producer=PRODUCER,
        campaign_id=campaign_id,
        occurred_at=occurred_at,
    )
