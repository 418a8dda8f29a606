"""The ledger's own database tables (SQLAlchemy Core); migrations create and change them.

Append-only tables (the database refuses UPDATE, DELETE and TRUNCATE on them, see migration
0002): `journal_entries`, `journal_postings`, `merkle_nodes`, `checkpoints`. The running state
an append reads and moves forward lives in small mutable rows: `journals` (one per campaign, the
row an append locks), `account_balances` and `pledge_balances`.
"""

import sqlalchemy as sa

from shared.db import UtcDateTime, add_plumbing_tables

metadata = sa.MetaData()

#: The kinds of entry the database accepts (migration 0007 added the provider's).
ENTRY_KIND_CHECK = (
    "kind IN ('contribution', 'refund', 'expense', 'reversal', 'fee', 'dispute',"
    " 'dispute_reversal')"
)
#: Tables the database keeps append-only.
APPEND_ONLY = ("journal_entries", "journal_postings", "merkle_nodes", "checkpoints")

#: The ledger's read model of a campaign, kept from pledge-service events; never asked back.
campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("creator_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("goal_amount", sa.BigInteger, nullable=False),
    sa.Column("funding_model", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("deadline", UtcDateTime(), nullable=False),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    #: No money moves for it (the pledges service's record-only gateway): reports say so.
    sa.Column("test_mode", sa.Boolean, nullable=False, server_default=sa.true()),
)

#: The creator's planned budget by category, for the budget-against-actual report.
budget_lines = sa.Table(
    "budget_lines",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount >= 0"), nullable=False),
    #: The line's place in the creator's budget, so views keep the creator's order.
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
)

#: One campaign's journal: its size (the next seq, the log's tree size); locked by each append.
journals = sa.Table(
    "journals",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("campaigns.id"), primary_key=True),
    sa.Column("size", sa.BigInteger, sa.CheckConstraint("size >= 0"), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: The entries, each with its exact leaf data (RFC 8785 JSON) and RFC 6962 leaf hash.
journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.CheckConstraint("seq >= 0"), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("category", sa.String(64), nullable=True),
    sa.Column("memo", sa.Text, nullable=True),
    sa.Column("vendor", sa.String(200), nullable=True),
    sa.Column("incurred_on", sa.Date, nullable=True),
    sa.Column("receipt_sha256", sa.String(64), nullable=True),
    sa.Column("pledge_id", sa.Uuid, nullable=True),
    sa.Column("reverses_seq", sa.BigInteger, nullable=True),
    sa.Column("event_id", sa.Uuid, nullable=True),
    sa.Column("recorded_by", sa.Uuid, nullable=True),
    sa.Column("occurred_at", UtcDateTime(), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
    sa.Column("leaf_data", sa.LargeBinary, nullable=False),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
    # The payment provider's ids on fee and dispute entries (migration 0007).
    sa.Column("provider_reference", sa.String(200), nullable=True),
    sa.Column("provider_event_id", sa.String(200), nullable=True),
    sa.CheckConstraint(ENTRY_KIND_CHECK, name="ck_entry_kind"),
    sa.CheckConstraint("reverses_seq IS NULL OR reverses_seq < seq", name="ck_reverses_earlier"),
    # A pledge event makes at most one entry, anywhere.
    sa.Index(
        "uq_entry_event",
        "event_id",
        unique=True,
        postgresql_where=sa.text("event_id IS NOT NULL"),
        sqlite_where=sa.text("event_id IS NOT NULL"),
    ),
    # An entry is reversed at most once.
    sa.Index(
        "uq_entry_reversal",
        "campaign_id",
        "reverses_seq",
        unique=True,
        postgresql_where=sa.text("reverses_seq IS NOT NULL"),
        sqlite_where=sa.text("reverses_seq IS NOT NULL"),
    ),
    sa.Index(
        "ix_entry_receipt",
        "campaign_id",
        "receipt_sha256",
        postgresql_where=sa.text("receipt_sha256 IS NOT NULL"),
        sqlite_where=sa.text("receipt_sha256 IS NOT NULL"),
    ),
    # The provider reports a fee (per kind) or a dispute's opening or return at most once.
    sa.Index(
        "uq_entry_provider_reference",
        "campaign_id",
        "kind",
        "provider_reference",
        sa.func.coalesce(sa.column("category"), ""),
        unique=True,
        postgresql_where=sa.text("provider_reference IS NOT NULL"),
        sqlite_where=sa.text("provider_reference IS NOT NULL"),
    ),
)

#: Where each card dispute stands (migration 0007): not part of the log, since closing a lost
#: dispute moves no money and so makes no entry; its `dispute` entry is in the log.
disputes = sa.Table(
    "disputes",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("reference", sa.String(200), primary_key=True),
    sa.Column("pledge_id", sa.Uuid, nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount > 0"), nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("opened_seq", sa.BigInteger, nullable=False),
    sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="ck_dispute_status"),
)

#: Each entry's double-entry legs; written before their entry, whose insert checks they net out.
journal_postings = sa.Table(
    "journal_postings",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True),
    sa.Column("position", sa.SmallInteger, primary_key=True),
    sa.Column("account", sa.String(100), nullable=False),
    sa.Column("amount", sa.BigInteger, sa.CheckConstraint("amount <> 0"), nullable=False),
)

#: Running sum of every account's postings, per campaign: the balance view without a scan.
account_balances = sa.Table(
    "account_balances",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("account", sa.String(100), primary_key=True),
    sa.Column("balance", sa.BigInteger, nullable=False),
    # No CHECK on the funds: a refund of money already spent takes them below zero (migration
    # 0004); a trigger on journal_entries refuses any other entry that would.
)

#: What each pledge contributed net of refunds, so a refund never exceeds its pledge.
pledge_balances = sa.Table(
    "pledge_balances",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("pledge_id", sa.Uuid, primary_key=True),
    sa.Column("balance", sa.BigInteger, sa.CheckConstraint("balance >= 0"), nullable=False),
)

#: The backer account behind each collected pledge (migration 0005), for auditors' exports only:
#: kept apart from the entries so the leaf data, and the public log, never name a backer.
pledge_backers = sa.Table(
    "pledge_backers",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("pledge_id", sa.Uuid, primary_key=True),
    sa.Column("backer_id", sa.Uuid, nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

#: Every perfect subtree hash of each campaign's Merkle log (level 0 holds the leaf hashes).
merkle_nodes = sa.Table(
    "merkle_nodes",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("level", sa.SmallInteger, primary_key=True),
    sa.Column("idx", sa.BigInteger, primary_key=True),
    sa.Column("hash", sa.LargeBinary(32), nullable=False),
)

#: Signed checkpoints as published: the whole signed note, kept verbatim.
checkpoints = sa.Table(
    "checkpoints",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    sa.Column("tree_size", sa.BigInteger, sa.CheckConstraint("tree_size >= 0"), primary_key=True),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

#: Published spending reports (migration 0006): immutable, one per campaign and tree size.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), nullable=False),
    sa.Column("tree_size", sa.BigInteger, sa.CheckConstraint("tree_size >= 0"), nullable=False),
    sa.Column("root_hash", sa.LargeBinary(32), nullable=False),
    #: SHA-256 of `pdf`, lower-case hex.
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.UniqueConstraint("campaign_id", "tree_size", name="uq_report_tree_size"),
)

#: A published report in another language than English (migration 0010): the same checkpoint,
#: figures and attachments in other words; immutable like the report.
report_languages = sa.Table(
    "report_languages",
    metadata,
    sa.Column("report_id", sa.Uuid, sa.ForeignKey("reports.id"), primary_key=True),
    sa.Column("language", sa.String(8), primary_key=True),
    #: SHA-256 of `pdf`, lower-case hex.
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
)

#: Reports the worker owes (migration 0006): one at settlement, one per month with activity.
#: Mutable: `report_id` is filled in once the report is published.
report_schedule = sa.Table(
    "report_schedule",
    metadata,
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), primary_key=True),
    #: "settlement" or "month".
    sa.Column("occasion", sa.String(20), primary_key=True),
    #: The settled status ("succeeded", "failed") or the month ("2026-11").
    sa.Column("period", sa.String(20), primary_key=True),
    #: Not published before this (a month's report: the first instant of the next month).
    sa.Column("due_at", UtcDateTime(), nullable=False),
    #: Settlement: the contributions the books must hold first (the pledges being collected).
    sa.Column("expected_contributions", sa.Integer, nullable=True),
    sa.Column("report_id", sa.Uuid, sa.ForeignKey("reports.id"), nullable=True),
)

#: The cover picture each campaign's report shows (migration 0009): the newest announced by a
#: `campaign.cover_changed` event, replaced when a newer one comes.
campaign_covers = sa.Table(
    "campaign_covers",
    metadata,
    sa.Column("campaign_id", sa.Uuid, primary_key=True),
    #: What names the picture at the pledges service.
    sa.Column("sha256", sa.String(64), nullable=False),
    #: The report's rendition: a JPEG with no metadata.
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
)

#: Public copies of receipts (migration 0011): each publication as made, never changed; the
#: newest of a receipt is the one shown. The entry keeps the original's hash: this only links.
receipt_copies = sa.Table(
    "receipt_copies",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("campaign_id", sa.Uuid, sa.ForeignKey("journals.campaign_id"), nullable=False),
    #: The expense it was published from, and the original receipt it stands for.
    sa.Column("seq", sa.BigInteger, nullable=False),
    sa.Column("receipt_sha256", sa.String(64), nullable=False),
    #: "original" (confirmed to hold no personal data) or "redacted".
    sa.Column("kind", sa.String(16), nullable=False),
    #: SHA-256 of `content`, lower-case hex.
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("media_type", sa.String(40), nullable=False),
    sa.Column("pages", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    #: A PNG of the first page.
    sa.Column("thumbnail", sa.LargeBinary, nullable=False),
    sa.Column("published_by", sa.Uuid, nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    sa.Index("ix_receipt_copies_receipt", "campaign_id", "receipt_sha256", "published_at"),
)

TABLES: dict[str, sa.Table] = {
    **add_plumbing_tables(metadata),
    "campaigns": campaigns,
    "campaign_covers": campaign_covers,
    "budget_lines": budget_lines,
    "journals": journals,
    "journal_entries": journal_entries,
    "journal_postings": journal_postings,
    "account_balances": account_balances,
    "pledge_balances": pledge_balances,
    "pledge_backers": pledge_backers,
    "merkle_nodes": merkle_nodes,
    "checkpoints": checkpoints,
    "reports": reports,
    "report_languages": report_languages,
    "report_schedule": report_schedule,
    "disputes": disputes,
    "receipt_copies": receipt_copies,
}
