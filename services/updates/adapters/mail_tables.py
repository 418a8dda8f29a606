"""The updates service's e-mail tables: addresses, unsubscriptions and the mail outbox."""

from __future__ import annotations

import sqlalchemy as sa

from shared.db import UtcDateTime

#: Where a mail outbox row stands: waiting (maybe after failures), delivered, given up after too
#: many failures, or dropped because its reader unsubscribed before it went.
MAIL_STATUSES = ("pending", "sent", "failed", "dropped")


def mail_tables(metadata: sa.MetaData) -> dict[str, sa.Table]:
    """The e-mail tables, added to the service's `metadata` (migrations 0004-0006 create them)."""
    addresses = sa.Table(
        "mail_addresses",
        metadata,
        # Only accounts that gave an address have a row; nothing else about them is kept.
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        # What its mails are written in (`account.created`, `account.language_changed`;
        # migration 0009): English for addresses heard of before.
        sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    )
    # Accounts whose address the pledges service says is proven (`account.email_verified`):
    # only those get update mail. Its own table, not a column of `mail_addresses`, so a proof
    # heard before the address still counts.
    confirmed = sa.Table(
        "mail_confirmed_accounts",
        metadata,
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=False),
    )
    unsubscriptions = sa.Table(
        "mail_unsubscriptions",
        metadata,
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("unsubscribed_at", UtcDateTime(), nullable=False),
    )
    # What each announced update says, once: its readers' outbox rows point at it, so a fan-out
    # to 10,000 backers writes 10,000 small rows, not 10,000 copies of the body.
    updates = sa.Table(
        "mail_updates",
        metadata,
        sa.Column("update_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("campaign_title", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        #: Sanitised by the updates service before it was published.
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=False),
        #: The campaign was in test mode when the update was announced.
        sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    outbox = sa.Table(
        "mail_outbox",
        metadata,
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("update_id", sa.Uuid, sa.ForeignKey("mail_updates.update_id"), nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        #: Tries so far; the sender gives up (status `failed`, row kept) after its maximum.
        sa.Column("attempts", sa.Integer, nullable=False),
        #: Not before this: now for a new row, later after each failure (exponential backoff),
        #: and a lease while a sender has claimed it.
        sa.Column("next_try_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        #: The last failure's kind and SMTP code: never the server's text, which may hold the
        #: address.
        sa.Column("last_error", sa.String(200), nullable=True),
        # One message per reader per update, however often the update is heard.
        sa.UniqueConstraint("update_id", "account_id", name="uq_mail_outbox_update_account"),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped')", name="ck_mail_outbox_status"
        ),
        sa.Index(
            "ix_mail_outbox_due",
            "next_try_at",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
    )
    # One-time links the pledges service asked us to mail (verify an address, reset a
    # password), one row per link, and notices to an owner (keyed by their event's id, with no
    # link). `link_token` is the link's bearer secret, still sealed (shared/sealing.py): opened
    # only to write the message, blanked once it is sent, given up or dropped. Payment notices
    # (a failed payment, a dropped pledge, a dispute: mail/payment_mail.py) are keyed by their
    # event's id too, and written when queued, from the event and the campaign as they were
    # then: `subject` and `body` (null for links and account notices, written when sent).
    account_mail = sa.Table(
        "account_mail",
        metadata,
        sa.Column("token_id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("purpose", sa.String(20), nullable=False),
        sa.Column("link_token", sa.String(200), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("body", sa.Text, nullable=True),
        # Notices that are not transactional (a creator's new pledges and questions, a
        # retracted update's notice: mail/pledge_mail.py) belong to a list: one kind of mail
        # about one campaign, which its one-click link stops (migration 0010). Null for the
        # rest, which carry no unsubscribe.
        sa.Column("campaign_id", sa.Uuid, nullable=True),
        sa.Column("list_kind", sa.String(20), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'dropped')", name="ck_account_mail_status"
        ),
    )
    # Stopped kinds of notice per campaign (`new_pledges`, `questions`); update mail (and its
    # retraction notices) is stopped in `mail_unsubscriptions`, as before.
    list_unsubscriptions = sa.Table(
        "mail_list_unsubscriptions",
        metadata,
        sa.Column("account_id", sa.Uuid, primary_key=True),
        sa.Column("campaign_id", sa.Uuid, primary_key=True),
        sa.Column("list_kind", sa.String(20), primary_key=True),
        sa.Column("unsubscribed_at", UtcDateTime(), nullable=False),
    )
    # Each new pledge a creator's new-pledge mail tells of, once per event, and the mail
    # (`account_mail.token_id`) that gathers it: the mail's text is rewritten from these rows
    # each time one joins, until the sender claims it.
    pledge_notices = sa.Table(
        "pledge_notices",
        metadata,
        sa.Column("event_id", sa.Uuid, primary_key=True),
        sa.Column("mail_id", sa.Uuid, nullable=False, index=True),
        sa.Column("campaign_id", sa.Uuid, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("tier_name", sa.String(200), nullable=True),
        sa.Column("pledged_at", UtcDateTime(), nullable=False),
    )
    return {
        "account_mail": account_mail,
        "mail_list_unsubscriptions": list_unsubscriptions,
        "pledge_notices": pledge_notices,
        "mail_addresses": addresses,
        "mail_confirmed_accounts": confirmed,
        "mail_unsubscriptions": unsubscriptions,
        "mail_updates": updates,
        "mail_outbox": outbox,
    }
