"""Account mail: the one-time links the pledges service asks for (verify an address, reset a
password) and notices to an owner (someone tried to sign up with their address, or is guessing
their password; their payment failed: mail/payment_mail.py), queued by the consumer and sent by
a background job of the updates worker.

The updates service is the only one that sends mail, and the only one holding addresses (from
`account.created`). The link's secret comes in `account.verification_requested`, sealed for
this service alone (shared/sealing.py); it is stored still sealed, opened only to compose the
message, blanked once the message is sent, and never logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from services.updates.adapters.mail import (
    LEASE,
    addresses,
    claim_due,
    confirmed,
    list_unsubscriptions,
    unsubscriptions,
)
from services.updates.adapters.tables import MAIL_TABLES
from services.updates.mail.messages import test_mode_notice
from services.updates.mail.retries import judge
from services.updates.mail.tokens import UPDATES, UnsubscribeTokens
from services.updates.mail.transports import Mailer
from services.updates.settings import UpdatesSettings
from services.updates.unit_of_work import UpdatesUnitOfWork
from services.updates.words import words as reader_words
from shared.db import is_postgresql
from shared.events.catalog import AccountNoticeRequested, AccountVerificationRequested
from shared.i18n import gettext_noop as N_
from shared.logging import get_logger
from shared.sealing import LinkOpener
from shared.wording import Words

log = get_logger(__name__)

account_mail = MAIL_TABLES["account_mail"]
#: Where each kind of link points on the site, and what its message says (message ids of
#: the catalogue, translated when the message is written).
_PAGES = {
    "verify_email": (
        "/verify",
        N_("Confirm your e-mail address for Fundtrail"),
        N_("Someone (we hope you) signed up to Fundtrail with this address. To confirm it, open:"),
    ),
    "reset_password": (
        "/reset-password",
        N_("Reset your Fundtrail password"),
        N_(
            "Someone (we hope you) asked to reset the Fundtrail password of this address. "
            "To choose a new one, open:"
        ),
    ),
}


#: Notices carry no link of their own: they point at the page where a new password is asked.
_NOTICES = {
    "sign_up_attempted": (
        N_("Someone tried to sign up to Fundtrail with your address"),
        N_(
            "Someone (perhaps you) tried to sign up to Fundtrail with this address, which "
            "already has an account. Nothing was changed and no second account was made."
        ),
        N_("If it was you, sign in with your password. If you forgot it, choose a new one here:"),
    ),
    "sign_in_failures": (
        N_("Someone is trying to sign in to your Fundtrail account"),
        N_(
            "Several wrong passwords were typed for your Fundtrail account in the last few "
            "minutes. Whoever typed them is being slowed down, and your password still works."
        ),
        N_("If it was not you, your password may be easy to guess: choose a new, longer one here:"),
    ),
}
_FORGOT_PASSWORD = "/forgot-password"
#: The foot of a notice its reader may stop, by kind: what the link stops, and nothing more.
_STOP = {
    UPDATES: N_("Stop e-mails about updates of this campaign: %(url)s"),
    "new_pledges": N_("Stop e-mails about new pledges to this campaign: %(url)s"),
    "questions": N_("Stop e-mails about new questions on this campaign: %(url)s"),
}
#: A notice not sent within a day tells of something long over: it is dropped.
NOTICE_LIFETIME = timedelta(days=1)


def on_verification_requested(
    event: AccountVerificationRequested,
    uow: UpdatesUnitOfWork,
    clock: Callable[[], datetime],
    link_opener: LinkOpener,
) -> None:
    """Queue the link's message; a redelivered event queues nothing more (one row per link).

    A version 1 event (published before links were sealed) brings its token in clear: it is
    sealed here, with our own public key, before anything is stored.
    """
    sealed = event.sealed_link_token or link_opener.sealer.seal(
        event.clear_link_token, event.token_id.bytes
    )
    queue_message(
        uow, clock(), event.token_id, event.account_id, event.purpose, sealed, event.expires_at
    )
    log.info("account_mail.queued", token_id=str(event.token_id), purpose=event.purpose)


def on_notice_requested(
    event: AccountNoticeRequested, uow: UpdatesUnitOfWork, clock: Callable[[], datetime]
) -> None:
    """Queue the notice, keyed by the event's id: a redelivery queues nothing more."""
    now = clock()
    queue_message(uow, now, event.event_id, event.account_id, event.kind, "", now + NOTICE_LIFETIME)
    log.info("account_mail.queued", token_id=str(event.event_id), purpose=event.kind)


def queue_message(
    uow: UpdatesUnitOfWork,
    now: datetime,
    key: uuid.UUID,
    account_id: uuid.UUID,
    purpose: str,
    link_token: str,
    expires_at: datetime,
    *,
    subject: str | None = None,
    body: str | None = None,
    campaign_id: uuid.UUID | None = None,
    list_kind: str | None = None,
    due: datetime | None = None,
) -> None:
    """Queue one message to `account_id`, once per `key` (a second time changes nothing).

    With `subject` and `body`, the message is already written (payment notices); without,
    it is written when sent, from `purpose` and the sealed `link_token`. With `list_kind`, it
    is a notice about `campaign_id` that its reader may stop (one-click unsubscribe), and it
    is not sent once they have. It goes at `due`, or at once.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    connection = uow.conn
    dialect = postgresql if is_postgresql(connection) else sqlite
    connection.execute(
        dialect.insert(account_mail)
        .on_conflict_do_nothing()
        .values(
            token_id=key,
            account_id=account_id,
            purpose=purpose,
            link_token=link_token,
            expires_at=expires_at,
            status="pending",
            attempts=0,
            next_try_at=due or now,
            created_at=now,
            subject=subject,
            body=body,
            campaign_id=campaign_id,
            list_kind=list_kind,
        )
    )


class AccountMailSender:
    """Drains `account_mail`: claim due rows in a short transaction, send with none open."""

    def __init__(
        self,
        engine: Engine,
        mailer: Mailer,
        settings: UpdatesSettings,
        clock: Callable[[], datetime],
        link_opener: LinkOpener,
        tokens: UnsubscribeTokens,
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._settings = settings
        self._clock = clock
        self._link_opener = link_opener
        self._tokens = tokens

    def run_round(self) -> int:
        """Send what is due (one batch); how many went."""
        now = self._clock()
        sent = 0
        for row in self._claim(now):
            if row["email"] is None or row["expires_at"] <= now:
                self._mark(row["token_id"], status="dropped", last_error="no address or expired")
                continue
            if row["body"] is not None and not row["confirmed"]:
                # Like update mail, news of pledges goes only to an address its owner proved:
                # anyone can sign up with someone else's.
                self._mark(row["token_id"], status="dropped", last_error="address not proven")
                continue
            if row["unsubscribed"]:
                self._mark(row["token_id"], status="dropped", last_error="unsubscribed")
                continue
            try:
                self._mailer.send(self.message(row, now))
            except Exception as exc:  # noqa: BLE001  (one bad message must not stop the rest)
                self._failed(row, exc)
            else:
                sent += 1
                self._mark(row["token_id"], status="sent", sent_at=self._clock(), last_error=None)
        return sent

    def message(self, row: Any, now: datetime) -> EmailMessage:
        """The row's message, written in its recipient's language as it stands when sent."""
        words = reader_words(row["language"])
        _ = words.gettext
        if row["body"] is not None:
            # Written when queued, test-mode line included: it follows the campaign's money.
            subject, text = row["subject"], row["body"]
        elif row["purpose"] in _NOTICES:
            subject, what, next_step = (_(message) for message in _NOTICES[row["purpose"]])
            text = f"{what}\n\n{next_step}\n\n{self._settings.site_url}{_FORGOT_PASSWORD}\n"
        else:
            path, subject, intro = _PAGES[row["purpose"]]
            subject, intro = _(subject), _(intro)
            # Opened only here, for the message: the row keeps the sealed form.
            token = self._link_opener.open(row["link_token"], row["token_id"].bytes)
            link = f"{self._settings.site_url}{path}?token={token}"
            hours = max(1, round((row["expires_at"] - now).total_seconds() / 3600))
            works_once = words.ngettext(
                "The link works once, within about %(num)d hour.",
                "The link works once, within about %(num)d hours.",
                hours,
            )
            ignore = _("If it was not you, ignore this message: nothing changes.")
            text = f"{intro}\n\n{link}\n\n{works_once} {ignore}\n"
        if row["body"] is None and not self._settings.payments_live:
            text = f"{test_mode_notice(words)}\n\n{text}"
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = row["email"]
        message["Subject"] = subject
        message["Date"] = format_datetime(now)
        domain = parseaddr(self._settings.mail_from)[1].rpartition("@")[2] or "fundtrail.local"
        message["Message-ID"] = f"<{row['token_id']}@{domain}>"
        if row["list_kind"] is not None:
            text = self._with_unsubscribe(message, row, words, domain, text)
        message.set_content(text)
        return message

    def _with_unsubscribe(
        self, message: EmailMessage, row: Any, words: Words, domain: str, text: str
    ) -> str:
        """A notice its reader may stop: RFC 8058 one-click headers for this kind of mail about
        this campaign, and the same link at the foot of the text."""
        kind = row["list_kind"]
        token = self._tokens.make(row["account_id"], row["campaign_id"], kind)
        url = f"{self._settings.public_url}/unsubscribe/{token}"
        message["List-Id"] = f"<{row['campaign_id']}.{kind.replace('_', '-')}.{domain}>"
        message["List-Unsubscribe"] = f"<{url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Auto-Submitted"] = "auto-generated"
        return f"{text}\n-- \n{words.gettext(_STOP[kind], url=url)}\n"

    def _claim(self, now: datetime) -> list[Any]:
        limit = self._settings.mail_batch_size
        return claim_due(self._engine, account_mail, now, limit, now + LEASE, _read)

    def _failed(self, row: Any, exc: Exception) -> None:
        failure = judge(exc, row["attempts"], self._settings, self._clock())
        if failure.retry_at is None:
            log.error("account_mail.given_up", token_id=str(row["token_id"]), error=failure.error)
            self._mark(row["token_id"], status="failed", last_error=failure.error)
            return
        log.warning("account_mail.retry", token_id=str(row["token_id"]), error=failure.error)
        self._mark(row["token_id"], next_try_at=failure.retry_at, last_error=failure.error)

    def _mark(self, token_id: uuid.UUID, **values: Any) -> None:
        if values.get("status") in ("sent", "failed", "dropped"):
            values["link_token"] = ""  # the secret is not kept once it is of no more use
        with self._engine.begin() as connection:
            connection.execute(
                account_mail.update().where(account_mail.c.token_id == token_id).values(**values)
            )


def _read(connection: Connection, token_ids: list[Any]) -> list[Any]:
    """The claimed rows, each with its account's address (None when it gave none) and whether
    its owner proved it."""
    query = (
        sa.select(
            account_mail,
            addresses.c.email,
            addresses.c.language,
            confirmed.c.account_id.is_not(None).label("confirmed"),
            sa.or_(
                unsubscriptions.c.account_id.is_not(None),
                list_unsubscriptions.c.account_id.is_not(None),
            ).label("unsubscribed"),
        )
        .outerjoin(addresses, addresses.c.account_id == account_mail.c.account_id)
        .outerjoin(confirmed, confirmed.c.account_id == account_mail.c.account_id)
        # Update mail's retraction notices are stopped with the update mail itself.
        .outerjoin(
            unsubscriptions,
            sa.and_(
                account_mail.c.list_kind == UPDATES,
                unsubscriptions.c.account_id == account_mail.c.account_id,
                unsubscriptions.c.campaign_id == account_mail.c.campaign_id,
            ),
        )
        .outerjoin(
            list_unsubscriptions,
            sa.and_(
                list_unsubscriptions.c.account_id == account_mail.c.account_id,
                list_unsubscriptions.c.campaign_id == account_mail.c.campaign_id,
                list_unsubscriptions.c.list_kind == account_mail.c.list_kind,
            ),
        )
        .where(account_mail.c.token_id.in_(token_ids))
    )
    return list(connection.execute(query).mappings().all())
