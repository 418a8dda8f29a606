"""The pledges service's own database tables (SQLAlchemy Core); migrations create them.

Rules that must hold whatever the code does are also constraints here: a limited tier's `taken`
never exceeds its `limit`, amounts are positive, a refund never exceeds what was collected, and a
backer holds at most one active pledge per campaign.
"""

import sqlalchemy as sa

from shared.db import UtcDateTime, add_plumbing_tables
from shared.referrals import SOURCE_MAX

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
    # What its mails are written in (migration 0014); see shared/languages.py.
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
)

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("goal_amount", sa.BigInteger, sa.CheckConstraint("goal_amount > 0"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("deadline", UtcDateTime(), nullable=False),
    sa.Column("funding_model", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("pledged_amount", sa.BigInteger, nullable=False),
    sa.Column("backers_count", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    sa.Column("launched_at", UtcDateTime(), nullable=True),
    sa.Column("ended_at", UtcDateTime(), nullable=True),
    # Whether no money moves for it (record-only gateway); see docs/payments.md.
    sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
    # What its automatic updates are written in (migration 0014).
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    # The SHA-256 naming its cover picture; the files are in the picture store (by this name).
    sa.Column("cover_sha256", sa.String(64), nullable=True, index=True),
    # When its words were last revised after launch (migration 0015); NULL if never.
    sa.Column("revised_at", UtcDateTime(), nullable=True),
)

tiers = sa.Table(
    "tiers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("min_amount", sa.BigInteger, sa.CheckConstraint("min_amount >= 0"), nullable=False),
    sa.Column("limit", sa.Integer, nullable=True),
    sa.Column("taken", sa.Integer, nullable=False),
    # What backers get and when (migration 0015): words the creator may revise after launch.
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("delivery_month", sa.String(7), nullable=True),
    sa.CheckConstraint('"limit" IS NULL OR taken <= "limit"', name="ck_tiers_not_oversold"),
)

budget_lines = sa.Table(
    "budget_lines",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
)

pledges = sa.Table(
    "pledges",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), nullable=False, index=True),
    sa.Column("backer_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("tier_id", sa.Uuid, sa.ForeignKey("tiers.id"), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("refunded_amount", sa.BigInteger, nullable=False),
    sa.Column("payment_reference", sa.String(200), nullable=True),
    # Collection (migration 0007): attempts so far, the end of the grace period after a failed
    # payment, and the provider's short code for the last failure.
    sa.Column("collection_attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("grace_ends_at", UtcDateTime(), nullable=True, index=True),
    sa.Column("payment_failure_code", sa.String(64), nullable=True),
    # Saved cards (migration 0008): the provider's ids only, never the card's details.
    sa.Column("payment_method_id", sa.String(255), nullable=True),
    sa.Column("checkout_session_id", sa.String(255), nullable=True),
    sa.Column("card_setup_attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # Referrals (migration 0012): the share tag or referring host; NULL for a direct visit.
    sa.Column("source", sa.String(SOURCE_MAX), nullable=True),
    sa.CheckConstraint(
        "refunded_amount >= 0 AND refunded_amount <= amount", name="ck_pledges_refund_within"
    ),
    sa.Index(
        "uq_pledges_one_active_per_backer",
        "campaign_id",
        "backer_id",
        unique=True,
        postgresql_where=sa.text("status = 'pledged'"),
        sqlite_where=sa.text("status = 'pledged'"),
    ),
)

#: The first answer to each `Idempotency-Key`, per account, so a retry gets it again.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    #: SHA-256 (hex) of the request it answered: method, path and canonical JSON body.
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: Every token issued, by its `jti`: whose it is and until when, so it can be revoked by id.
#: The token itself is never stored.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("issued_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("revoked_at", UtcDateTime(), nullable=True),
)

#: How a self-registered account signs in: one per address (compared case-folded), the
#: password's argon2id hash, and whether the address was proven. Accounts made by the CLI or an
#: admin have no row: they cannot sign in with a password and count as verified.
account_credentials = sa.Table(
    "account_credentials",
    metadata,
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("email_key", sa.String(254), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("password_changed_at", UtcDateTime(), nullable=False),
    sa.Column("email_verified_at", UtcDateTime(), nullable=True),
)

#: One-time links mailed to an account (verify the address, reset the password): only the
#: SHA-256 of each link's secret is kept.
account_links = sa.Table(
    "account_links",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False, index=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
)

#: Failed sign-ins, counted per address typed and per client address to slow guessing down;
#: in the database so every process counts the same. Rows older than the window are pruned.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("email_key", sa.String(254), nullable=False),
    sa.Column("client_address", sa.String(64), nullable=False),
    sa.Column("failed_at", UtcDateTime(), nullable=False),
    sa.Index("ix_sign_in_failures_email", "email_key", "failed_at"),
    sa.Index("ix_sign_in_failures_client", "client_address", "failed_at"),
)

#: Sign-up attempts per client, counted so one client cannot make accounts (each an argon2id
#: hash and a mail to any address) without end. Rows older than the window are pruned.
sign_up_attempts = sa.Table(
    "sign_up_attempts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("client_address", sa.String(64), nullable=False),
    sa.Column("attempted_at", UtcDateTime(), nullable=False),
    sa.Index("ix_sign_up_attempts_client", "client_address", "attempted_at"),
)

#: When an account's owner was last told of something done with their address (a sign-up
#: with it, passwords guessed at it): at most one such mail per kind and period.
account_notices = sa.Table(
    "account_notices",
    metadata,
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("kind", sa.String(20), primary_key=True),
    sa.Column("sent_at", UtcDateTime(), nullable=False),
)

#: Stripe's webhook events as received, one row per Stripe event id (the inbox): written in the
#: transaction of the event's effect, so a redelivery finds it and has none. Only ids, the type
#: and times are kept: never the payload, which may name a card or a client secret.
stripe_events = sa.Table(
    "stripe_events",
    metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("event_type", sa.String(100), nullable=False),
    sa.Column("created", UtcDateTime(), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    #: False when the event changed nothing (an unhandled type, a stale or unknown payment).
    sa.Column("took_effect", sa.Boolean, nullable=False),
    sa.Index("ix_stripe_events_created", "created"),
)


#: Each backer's customer at the payment provider (Stripe), made once, the first time they save
#: a card, and kept so every later card belongs to the same customer.
payment_customers = sa.Table(
    "payment_customers",
    metadata,
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("customer_id", sa.String(255), nullable=False, unique=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)


payout_accounts = sa.Table(
    "payout_accounts",
    metadata,
    sa.Column("creator_id", sa.Uuid, sa.ForeignKey("accounts.id"), primary_key=True),
    sa.Column("account_id", sa.String(255), nullable=False, unique=True),
    sa.Column("details_submitted", sa.Boolean, nullable=False),
    sa.Column("charges_enabled", sa.Boolean, nullable=False),
    sa.Column("payouts_enabled", sa.Boolean, nullable=False),
    # When the provider said so, not when we wrote it: an older event never overwrites.
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

#: A launched campaign's public history (migration 0015): the version backers first saw, then
#: one row per revision of its words, never changed or deleted. `tiers` holds each tier's id,
#: name, minimum, limit, description and delivery month as JSON.
campaign_revisions = sa.Table(
    "campaign_revisions",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("revised_at", UtcDateTime(), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("tiers", sa.JSON, nullable=False),
)

TABLES: dict[str, sa.Table] = {
    **add_plumbing_tables(metadata),
    "accounts": accounts,
    "campaigns": campaigns,
    "tiers": tiers,
    "budget_lines": budget_lines,
    "pledges": pledges,
    "idempotency_keys": idempotency_keys,
    "api_tokens": api_tokens,
    "account_credentials": account_credentials,
    "account_links": account_links,
    "sign_in_failures": sign_in_failures,
    "sign_up_attempts": sign_up_attempts,
    "account_notices": account_notices,
    "stripe_events": stripe_events,
    "payment_customers": payment_customers,
    "payout_accounts": payout_accounts,
    "campaign_revisions": campaign_revisions,
}
