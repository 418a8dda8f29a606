"""The report's charts as hand-made SVG: deterministic, no JavaScript, no fonts or URLs to fetch.

One SVG serves the HTML page and the PDF alike. Geometry is integer arithmetic on minor units,
so the same figures always give the same bytes. Every piece of text (categories are creator
text) goes through :func:`markupsafe.escape`; the result is :class:`~markupsafe.Markup` for the
template to insert as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from services.ledger.domain.accounts_chart import CategorySpending
from services.ledger.reports.figures import MonthFigures
from services.ledger.words import report_words
from shared.languages import DEFAULT_LANGUAGE
from shared.wording import Words

#: Colours shared with report.css: spent, planned, over budget.
SPENT = "#2b6cb0"
PLANNED = "#cbd5e0"
OVER = "#c53030"
TEXT = "#1a202c"

_LABEL_WIDTH = 170
_BAR_WIDTH = 330
_AMOUNT_WIDTH = 180
_ROW_HEIGHT = 34
_LABEL_CHARACTERS = 26

Formatter = Callable[[int], str]


def category_chart(
    lines: Sequence[CategorySpending], money: Formatter, words: Words | None = None
) -> Markup:
    """Spending by category: per category a grey bar for the plan and a blue one for what was
    spent (red where spending passed the plan), with both amounts written beside them; its
    words in `words`' language (English without)."""
    _ = (words or report_words(DEFAULT_LANGUAGE)).gettext
    width = _LABEL_WIDTH + _BAR_WIDTH + _AMOUNT_WIDTH
    height = max(len(lines), 1) * _ROW_HEIGHT + 10
    scale = max([1, *(line.spent for line in lines), *(line.budget or 0 for line in lines)])
    parts = [_open(width, height, _("Spending by category against the planned budget"))]
    if not lines:
        parts.append(_text(0, 22, _("Nothing planned or spent yet.")))
    for index, line in enumerate(lines):
        top = index * _ROW_HEIGHT + 4
        parts.append(_text(0, top + 17, _shorten(line.category)))
        if line.budget:
            parts.append(_rect(_LABEL_WIDTH, top + 2, _length(line.budget, scale), 24, PLANNED))
        over = line.budget is not None and line.spent > line.budget
        if line.spent > 0:
            bar = _length(line.spent, scale)
            parts.append(_rect(_LABEL_WIDTH, top + 8, bar, 12, OVER if over else SPENT))
        if line.budget is None:
            figures = _("%(spent)s no budget", spent=money(line.spent))
        else:
            figures = _(
                "%(spent)s of %(budget)s", spent=money(line.spent), budget=money(line.budget)
            )
        parts.append(_text(_LABEL_WIDTH + _BAR_WIDTH + 8, top + 17, figures))
    parts.append("</svg>")
    return Markup("".join(parts))


def monthly_chart(
    months: Sequence[MonthFigures],
    label: Callable[[MonthFigures], str],
    words: Words | None = None,
) -> Markup:
    """Spending per month as columns (a month whose reversals exceeded its spending shows no
    column; the table beside it has the figure)."""
    _ = (words or report_words(DEFAULT_LANGUAGE)).gettext
    column, gap, chart_height = 36, 10, 110
    width = max(len(months), 1) * (column + gap) + gap
    height = chart_height + 40
    scale = max([1, *(month.spent for month in months)])
    parts = [_open(width, height, _("Spending per month"))]
    parts.append(f'<line x1="0" y1="{chart_height}" x2="{width}" y2="{chart_height}" '
                 f'stroke="{TEXT}" stroke-width="1"/>')  # fmt: skip
    for index, month in enumerate(months):
        left = gap + index * (column + gap)
        if month.spent > 0:
            bar = max(_scaled(month.spent, scale, chart_height - 10), 1)
            parts.append(_rect(left, chart_height - bar, column, bar, SPENT))
        parts.append(_text(left + column // 2, chart_height + 16, label(month), anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    )


def _rect(x: int, y: int, width: int, height: int, fill: str) -> str:
    return f'<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}"/>'


def _text(x: int, y: int, text: str, anchor: str = "start") -> str:
    return (
        f'<text x="{x}" y="{y}" font-size="12" fill="{TEXT}" text-anchor="{anchor}" '
        f'font-family="DejaVu Sans, sans-serif">{escape(text)}</text>'
    )


def _length(amount: int, scale: int) -> int:
    return max(_scaled(amount, scale, _BAR_WIDTH - 10), 1)


def _scaled(amount: int, scale: int, span: int) -> int:
    """``amount`` of ``scale`` as a length of ``span`` pixels, rounded half up, in integers."""
    return (max(amount, 0) * span * 2 + scale) // (scale * 2)


def _shorten(label: str) -> str:
    if len(label) <= _LABEL_CHARACTERS:
        return label
    return label[: _LABEL_CHARACTERS - 1] + "…"
