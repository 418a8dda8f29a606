"""The CSV export (pure): RFC 4180, UTF-8, a header row, text cells safe from CSV injection.

Columns (documented for users in docs/ledger.md, "Exports for auditors"): :data:`COLUMNS`, then
for auditors :data:`AUDITOR_COLUMNS`. Amounts are plain decimal numbers in the currency's units
(`15.00`, JPY `1500`, KWD `1.500`), negative with a leading `-`, never quoted or prefixed.

Every text cell is quoted, so a spreadsheet splitting at `;` (the list separator of many
locales) keeps `x;=1+1` one cell; and since a reader may split at `;` without honouring quotes,
a formula start is neutralised after every `;` in people's text as well as at its start.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from services.ledger.exports.entries import (
    PUBLIC,
    Audience,
    DateRange,
    ExportEntry,
    decimal_text,
    with_running_funds,
)

COLUMNS: tuple[str, ...] = (
    "seq",
    "date",
    "kind",
    "category",
    "description",
    "vendor",
    "amount",
    "amount_minor",
    "currency",
    "funds_change",
    "funds_balance",
    "occurred_at",
    "recorded_at",
    "pledge_id",
    "receipt_sha256",
    "reverses_seq",
    "receipt_reuse_reason",
    "leaf_hash",
    # Added with fees and disputes (issue 15): after the older columns, which keep their places.
    "provider_reference",
    "provider_event_id",
)
AUDITOR_COLUMNS: tuple[str, ...] = ("backer_id", "receipt_url")

#: What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection": `=`, `+`,
#: `-`, `@`, tab, CR, NUL), at the start of the text or right after a `;`, where a spreadsheet
#: in a semicolon locale may begin a cell.
_CELL_START_FORMULA = re.compile(r"(^|;)(?=[=+\-@\t\r\0])")
#: Rows written per chunk: big enough that a chunk costs little, small enough to stay flat.
CHUNK_ROWS = 512


def safe_text(text: str | None) -> str:
    """A free-text cell that no spreadsheet will run: a `'` before anything that could start a
    formula, at the start or after a `;`. Only people's text goes through here; numbers the
    ledger writes stay numbers."""
    if not text:
        return ""
    return _CELL_START_FORMULA.sub(r"\1'", text)


def header(audience: Audience = PUBLIC) -> tuple[str, ...]:
    return COLUMNS + AUDITOR_COLUMNS if audience.is_auditor else COLUMNS


def row(entry: ExportEntry, funds: int, exponent: int, audience: Audience = PUBLIC) -> list[object]:
    """One entry's cells, in :func:`header`'s order; `funds` is `assets:funds` after it."""
    cells: list[object] = [
        entry.seq,
        entry.day.isoformat(),
        entry.kind,
        safe_text(entry.category),
        safe_text(entry.memo),
        safe_text(entry.vendor),
        _number(entry.amount, exponent),
        entry.amount,
        entry.currency,
        _number(entry.funds_change, exponent),
        _number(funds, exponent),
        entry.occurred_at,
        entry.recorded_at,
        entry.pledge_id or "",
        entry.receipt_sha256 or "",
        "" if entry.reverses_seq is None else entry.reverses_seq,
        safe_text(entry.receipt_reuse_reason),
        entry.leaf_hash.hex(),
        safe_text(entry.provider_reference),
        safe_text(entry.provider_event_id),
    ]
    if audience.is_auditor:
        backer = entry.backer_id if audience.backers else None
        cells += ["" if backer is None else str(backer), audience.receipt_url(entry.receipt_sha256)]
    return cells


def _number(minor: int, exponent: int) -> Decimal:
    """An amount as a number cell: a Decimal, which the writer leaves unquoted, written exactly
    as :func:`decimal_text` spells it (`15.00`, not `15`)."""
    return Decimal(decimal_text(minor, exponent))


def csv_export(
    entries: Iterable[ExportEntry],
    exponent: int,
    dates: DateRange | None = None,
    audience: Audience = PUBLIC,
) -> Iterator[str]:
    """The CSV in chunks of text. `entries` are the journal's from seq 0 in order (the running
    balance counts them all); only those dated within `dates` get a row."""
    dates = dates or DateRange()
    buffer = io.StringIO()
    # RFC 4180: CRLF line ends. Every text cell is quoted; numbers (ints, and the amounts as
    # Decimals) are not, so spreadsheets read them as numbers.
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    # The column names are plain words, written bare as before.
    buffer.write(",".join(header(audience)) + "\r\n")
    pending = 0
    for entry, funds in with_running_funds(entries):
        if entry.day not in dates:
            continue
        writer.writerow(row(entry, funds, exponent, audience))
        pending += 1
        if pending == CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
