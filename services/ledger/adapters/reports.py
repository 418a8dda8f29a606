"""Published reports in the database, and the schedule of reports the worker owes."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.ledger.adapters.journal_sql import dialect_insert
from services.ledger.adapters.tables import (
    journal_entries,
    report_languages,
    report_schedule,
    reports,
)
from services.ledger.domain.report_rules import Due

#: The columns of a report's metadata: everything but its (large) PDF and HTML.
_META = (
    reports.c.id,
    reports.c.campaign_id,
    reports.c.tree_size,
    reports.c.root_hash,
    reports.c.sha256,
    reports.c.published_at,
)


@dataclass(frozen=True)
class StoredReport:
    """A published report's metadata; its PDF and HTML are read apart, when served."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    #: The size of the signed checkpoint the report was built from.
    tree_size: int
    root_hash: bytes
    #: SHA-256 of the PDF, lower-case hex.
    sha256: str
    published_at: datetime


@dataclass(frozen=True)
class Translation:
    """A published report in one more language: its own PDF (and SHA-256) and HTML."""

    pdf: bytes
    html: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.pdf).hexdigest()


@dataclass(frozen=True)
class OwedReport:
    """A row of the schedule not yet met."""

    campaign_id: uuid.UUID
    due: Due


class ReportRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        #: The reports noted as owed in this unit of work: the worker notes the month's report
        #: once per announcement it hears, hundreds in one poll batch.
        self._owed: set[tuple[uuid.UUID, str, str]] = set()

    # --- published reports ----------------------------------------------------------------------

    def add(
        self,
        report: StoredReport,
        pdf: bytes,
        html: str,
        translations: Mapping[str, Translation] | None = None,
    ) -> bool:
        """Store a report (in English) and its `translations` by language; False when one of
        that campaign and tree size is there already (a concurrent publisher got in first: the
        caller then serves that one)."""
        statement = (
            dialect_insert(self._connection, reports)
            .values(
                id=report.id,
                campaign_id=report.campaign_id,
                tree_size=report.tree_size,
                root_hash=report.root_hash,
                sha256=report.sha256,
                published_at=report.published_at,
                pdf=pdf,
                html=html,
            )
            .on_conflict_do_nothing()
            .returning(reports.c.id)
        )
        if self._connection.execute(statement).first() is None:
            return False
        for language, translation in (translations or {}).items():
            self._connection.execute(
                report_languages.insert().values(
                    report_id=report.id,
                    language=language,
                    sha256=translation.sha256,
                    pdf=translation.pdf,
                    html=translation.html,
                    published_at=report.published_at,
                )
            )
        return True

    def sha256_by_language(self, report: StoredReport) -> dict[str, str]:
        """The SHA-256 of each language's PDF of `report`, English's first."""
        query = (
            sa.select(report_languages.c.language, report_languages.c.sha256)
            .where(report_languages.c.report_id == report.id)
            .order_by(report_languages.c.language)
        )
        found = {str(language): str(sha) for language, sha in self._connection.execute(query)}
        return {"en": report.sha256, **found}

    def rendering(
        self, report_id: uuid.UUID, language: str, form: str
    ) -> tuple[bytes | str, str] | None:
        """`report_id`'s `form` (`pdf` or `html`) in `language` and its PDF's SHA-256, or None
        when the report has no such language (one published before languages came)."""
        column = report_languages.c.pdf if form == "pdf" else report_languages.c.html
        row = self._connection.execute(
            sa.select(column, report_languages.c.sha256).where(
                report_languages.c.report_id == report_id,
                report_languages.c.language == language,
            )
        ).first()
        if row is None:
            return None
        content = bytes(row[0]) if form == "pdf" else str(row[0])
        return content, str(row[1])

    def at(self, campaign_id: uuid.UUID, tree_size: int) -> StoredReport | None:
        return self._one(
            sa.select(*_META).where(
                reports.c.campaign_id == campaign_id, reports.c.tree_size == tree_size
            )
        )

    def get(self, campaign_id: uuid.UUID, report_id: uuid.UUID) -> StoredReport | None:
        return self._one(
            sa.select(*_META).where(reports.c.campaign_id == campaign_id, reports.c.id == report_id)
        )

    def latest(self, campaign_id: uuid.UUID) -> StoredReport | None:
        listed = self.listing(campaign_id, limit=1)
        return listed[0] if listed else None

    def listing(self, campaign_id: uuid.UUID, limit: int | None = None) -> list[StoredReport]:
        """The campaign's reports, newest first (by publication; a monthly report may cover
        fewer entries than one published on demand a moment before it)."""
        query = (
            sa.select(*_META)
            .where(reports.c.campaign_id == campaign_id)
            .order_by(reports.c.published_at.desc(), reports.c.tree_size.desc())
            .limit(limit)
        )
        return [StoredReport(**row) for row in self._connection.execute(query).mappings()]

    def pdf(self, report_id: uuid.UUID) -> bytes:
        query = sa.select(reports.c.pdf).where(reports.c.id == report_id)
        return bytes(self._connection.execute(query).scalar_one())

    def html(self, report_id: uuid.UUID) -> str:
        query = sa.select(reports.c.html).where(reports.c.id == report_id)
        return str(self._connection.execute(query).scalar_one())

    def _one(self, query: sa.Select[tuple[object, ...]]) -> StoredReport | None:
        row = self._connection.execute(query).mappings().first()
        return None if row is None else StoredReport(**row)

    # --- what a report is built from ------------------------------------------------------------

    def leaves(self, campaign_id: uuid.UUID, tree_size: int) -> list[bytes]:
        """The leaf data of entries 0 … tree_size-1, in order (the export's lines)."""
        rows = self._connection.execute(
            sa.select(journal_entries.c.leaf_data)
            .where(journal_entries.c.campaign_id == campaign_id, journal_entries.c.seq < tree_size)
            .order_by(journal_entries.c.seq)
        ).scalars()
        return [bytes(leaf) for leaf in rows]

    def contributions(self, campaign_id: uuid.UUID) -> int:
        """How many contributions (collected pledges) the journal holds."""
        return self._connection.execute(
            sa.select(sa.func.count()).where(
                journal_entries.c.campaign_id == campaign_id,
                journal_entries.c.kind == "contribution",
            )
        ).scalar_one()

    def size_before(self, campaign_id: uuid.UUID, moment: datetime) -> int:
        """The tree size of the journal as it stood at `moment`: the entries appended before."""
        last = self._connection.execute(
            sa.select(sa.func.max(journal_entries.c.seq)).where(
                journal_entries.c.campaign_id == campaign_id,
                journal_entries.c.recorded_at < moment,
            )
        ).scalar_one_or_none()
        return 0 if last is None else int(last) + 1

    # --- the schedule ---------------------------------------------------------------------------

    def owe(self, campaign_id: uuid.UUID, due: Due) -> None:
        """Remember a report owed; a second notice of the same one changes nothing."""
        key = (campaign_id, due.occasion, due.period)
        if key in self._owed:
            return
        self._owed.add(key)
        self._connection.execute(
            dialect_insert(self._connection, report_schedule)
            .values(
                campaign_id=campaign_id,
                occasion=due.occasion,
                period=due.period,
                due_at=due.due_at,
                expected_contributions=due.expected_contributions,
            )
            .on_conflict_do_nothing()
        )

    def forget(self) -> None:
        """A rollback undid what this unit of work stored."""
        self._owed.clear()

    def owed(self, now: datetime) -> list[OwedReport]:
        """Owed reports whose time has come, oldest first."""
        rows = self._connection.execute(
            sa.select(report_schedule)
            .where(report_schedule.c.report_id.is_(None), report_schedule.c.due_at <= now)
            .order_by(report_schedule.c.due_at, report_schedule.c.campaign_id)
        ).mappings()
        return [
            OwedReport(
                row["campaign_id"],
                Due(row["occasion"], row["period"], row["due_at"], row["expected_contributions"]),
            )
            for row in rows
        ]

    def met(self, campaign_id: uuid.UUID, due: Due, report_id: uuid.UUID) -> None:
        """Mark an owed report as published (by `report_id`)."""
        self._connection.execute(
            report_schedule.update()
            .where(
                report_schedule.c.campaign_id == campaign_id,
                report_schedule.c.occasion == due.occasion,
                report_schedule.c.period == due.period,
            )
            .values(report_id=report_id)
        )
