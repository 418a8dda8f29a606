"""What the pledges service asks the updates service to mail an account: one-time links (prove
the address, reset the password) and notices to the owner. Only the updates service holds
addresses; these write `accounts.events` to the outbox, in the caller's transaction."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from services.pledges.adapters.events import (
    ACCOUNT_TOPIC,
    notice_requested,
    verification_requested,
)
from services.pledges.domain.accounts import (
    NOTICE_PERIOD,
    AccountLink,
    InvalidLink,
    LinkPurpose,
    NoticeKind,
)
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.sealing import Sealer

LINK_LIFETIMES = {
    LinkPurpose.VERIFY_EMAIL: timedelta(hours=24),
    LinkPurpose.RESET_PASSWORD: timedelta(hours=1),
}
SECRET_BYTES = 32


def notify_owner(
    uow: PledgesUnitOfWork, account_id: uuid.UUID, kind: NoticeKind, now: datetime
) -> None:
    """Ask for a notice to the owner of `account_id`, unless one of `kind` went out within
    the period: somebody hammering at an address must not become a mail cannon at its owner."""
    if uow.accounts.claim_notice(account_id, kind, now, quiet_since=now - NOTICE_PERIOD):
        uow.publish(ACCOUNT_TOPIC, notice_requested(account_id, kind, now))


# --- one-time links -------------------------------------------------------------------------
# A link token is base64url(link id ‖ 32 random bytes): the id finds the row, the secret is
# checked against its SHA-256 (a leaked database holds no usable link). It travels sealed for
# the updates service alone, which opens it only to write the mail.


def mail_link(
    uow: PledgesUnitOfWork,
    account_id: uuid.UUID,
    purpose: LinkPurpose,
    now: datetime,
    sealer: Sealer,
) -> None:
    """A new one-time link, its token sealed for the updates service: nothing kept or sent
    here holds it in clear (the database keeps its hash, the event the sealed form)."""
    secret = secrets.token_bytes(SECRET_BYTES)
    link = AccountLink(
        id=uuid.uuid4(),
        account_id=account_id,
        purpose=purpose,
        secret_hash=hashlib.sha256(secret).hexdigest(),
        created_at=now,
        expires_at=now + LINK_LIFETIMES[purpose],
    )
    uow.accounts.add_link(link)
    token = base64.urlsafe_b64encode(link.id.bytes + secret).rstrip(b"=").decode()
    uow.publish(ACCOUNT_TOPIC, verification_requested(link, sealer.seal(token, link.id.bytes)))


def find_link(uow: PledgesUnitOfWork, token: str) -> AccountLink:
    """The link `token` names, if its secret is right; anything else is one refusal."""
    invalid = InvalidLink("this link is not valid: it may have been cut or changed")
    if not isinstance(token, str) or len(token) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(raw) != 16 + SECRET_BYTES:
        raise invalid
    link = uow.accounts.get_link(uuid.UUID(bytes=raw[:16]))
    digest = hashlib.sha256(raw[16:]).hexdigest()
    if link is None or not hmac.compare_digest(digest, link.secret_hash):
        raise invalid
    return link


def spend_link(
    uow: PledgesUnitOfWork, token: str, purpose: LinkPurpose, now: datetime
) -> AccountLink:
    link = find_link(uow, token)
    link.use(purpose, now)
    uow.accounts.save_link_use(link)
    return link
