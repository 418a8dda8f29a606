"""The report's one template, and the context it is filled with from one set of figures.

Jinja runs with autoescape on, so creator text (the title, categories, descriptions, vendors,
reasons) is always text, never markup or CSS; the only markup inserted as is comes from this
package (the SVG charts, which escape their own labels, and segno's QR code of a URL the ledger
built). The same template gives the HTML page (its stylesheet inline) and the PDF (its
stylesheet fetched from the package by the allow-listed fetcher).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from datetime import UTC, date
from functools import cache
from typing import Any

import segno
from babel import Locale
from babel.dates import format_date, format_datetime
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from services.ledger.adapters.checkpoints import PublishedCheckpoint
from services.ledger.domain.cover import CoverPicture
from services.ledger.reports import charts
from services.ledger.reports.assets import asset_url, read_asset
from services.ledger.reports.figures import Figures, LedgerRow, MonthFigures
from shared.money import format_amount

EXPORT_NAME = "export.jsonl"
CHECKPOINT_NAME = "checkpoint.txt"
KEY_NAME = "key.txt"
TEMPLATE = "report.html.j2"
#: The name the PDF's fetcher serves the cover picture by.
COVER_NAME = "cover.jpg"


@cache
def environment() -> Environment:
    """The report's Jinja environment: autoescape always on, undefined names an error."""
    return Environment(
        loader=PackageLoader("services.ledger.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def key_fingerprint(vkey: str) -> str:
    """SHA-256 of the vkey line (UTF-8, no newline), hex in groups of four for reading aloud."""
    digest = hashlib.sha256(vkey.encode("utf-8")).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def render_document(
    *,
    campaign: Mapping[str, Any],
    checkpoint: PublishedCheckpoint,
    figures: Figures,
    verifier_key: str,
    checkpoint_url: str,
    export_url: str,
    locale: str,
    max_table_rows: int,
    for_pdf: bool,
    cover: CoverPicture | None = None,
) -> str:
    """The report as HTML; ``for_pdf`` links the stylesheet for the fetcher instead of
    inlining it."""
    Locale.parse(locale)  # An unknown locale fails here, before any figure is formatted.
    currency = figures.balance.currency

    def money(amount: int) -> str:
        return format_amount(amount, currency, locale)

    def signed(amount: int) -> str:
        return ("+" if amount > 0 else "") + money(amount)

    def day(value: date | None) -> str:
        return "" if value is None else format_date(value, "medium", locale=locale)

    def month(value: MonthFigures) -> str:
        return format_date(value.month, "MMM y", locale=locale)

    origin = checkpoint.note.split("\n", 1)[0]
    context = {
        "campaign": campaign,
        "figures": figures,
        "balance": figures.balance,
        "money": money,
        "signed": signed,
        "day": day,
        "month": month,
        "describe": describe,
        "made_at": format_datetime(figures.made_at, "medium", tzinfo=UTC, locale=locale) + " UTC",
        "made_at_w3c": figures.made_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "lang": locale.replace("_", "-"),
        "rows": figures.rows[:max_table_rows],
        "receipts": figures.receipts[:max_table_rows],
        "max_table_rows": max_table_rows,
        "category_chart": charts.category_chart(figures.balance.by_category, money),
        "monthly_chart": charts.monthly_chart(figures.months, month),
        "checkpoint": checkpoint,
        "origin": origin,
        "root_base64": base64.b64encode(checkpoint.root_hash).decode(),
        "root_hex": checkpoint.root_hash.hex(),
        "verifier_key": verifier_key,
        "fingerprint": key_fingerprint(verifier_key),
        "checkpoint_url": checkpoint_url,
        "export_url": export_url,
        "key_url": key_url(checkpoint_url),
        "qr_code": qr_code(checkpoint_url),
        "names": {"export": EXPORT_NAME, "checkpoint": CHECKPOINT_NAME, "key": KEY_NAME},
        "stylesheet": None if for_pdf else Markup(read_asset("report.css").decode("utf-8")),
        "stylesheet_url": asset_url("report.css"),
        "cover": None if cover is None else cover_image(cover, for_pdf=for_pdf),
    }
    return environment().get_template(TEMPLATE).render(context)


def cover_image(cover: CoverPicture, *, for_pdf: bool) -> dict[str, Any]:
    """Where the template's <img> finds the cover: inline in the page (whose CSP allows only
    `data:` images), and by name in the PDF (whose fetcher serves only the job's own files)."""
    if for_pdf:
        src = asset_url(COVER_NAME)
    else:
        src = "data:image/jpeg;base64," + base64.b64encode(cover.jpeg).decode("ascii")
    return {"src": src, "width": cover.width, "height": cover.height}


def describe(row: LedgerRow) -> str:
    """What a table row says in its description column (plain text; the template escapes it)."""
    if row.kind == "contribution":
        return f"{row.count} contribution{'s' if row.count != 1 else ''} (day total)"
    if row.kind == "refund":
        return f"{row.count} refund{'s' if row.count != 1 else ''} to backers (day total)"
    if row.kind == "fee":
        return f"{row.count} payment fee{'s' if row.count != 1 else ''} (day total)"
    if row.kind == "dispute":
        return f"{row.count} card dispute{'s' if row.count != 1 else ''} opened (day total)"
    if row.kind == "dispute_reversal":
        return f"{row.count} card dispute{'s' if row.count != 1 else ''} won (day total)"
    text = row.description or ""
    if row.reverses_seq is not None:
        text = f"Reverses entry #{row.reverses_seq}: {text}"
    if row.reversed_by is not None:
        text = f"{text} (reversed by entry #{row.reversed_by})"
    return text


def key_url(checkpoint_url: str) -> str | None:
    """Where the ledger serves its key: ``…/api/v1/log/key`` beside ``…/api/v1/campaigns/…``."""
    base, found, _ = checkpoint_url.rpartition("/campaigns/")
    return f"{base}/log/key" if found else None


def qr_code(url: str) -> Markup:
    """The QR code of ``url`` as inline SVG (segno writes only paths: no text, no URL fetch)."""
    svg: str = segno.make(url, error="m").svg_inline(scale=3, border=2, svgclass="qr")
    return Markup(svg)
