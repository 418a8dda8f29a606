"""How figures read on the site: money in the currency's units, time left in words."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.numbers import get_decimal_symbol

from services.site.locales import visitor_locale
from shared.money import UnknownCurrency, format_amount, to_major_units


def money(amount: object, currency: object) -> str:
    """Minor units as the visitor reads them ("€15.00", "15,00 €"); anything odd shown as-is,
    never a crash."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        return "—"
    try:
        return format_amount(amount, currency, visitor_locale())
    except UnknownCurrency:
        return f"{amount} {currency} (minor units)"


def major_units(amount: object, currency: object) -> str:
    """Minor units as a plain number to type back into a form: "15.00", or "15,00" for a
    German visitor (no grouping, so it reads back exactly)."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(currency, str):
        return ""
    try:
        plain = str(to_major_units(amount, currency))
    except UnknownCurrency:
        return ""
    return plain.replace(".", get_decimal_symbol(visitor_locale()))


def time_left(seconds: object) -> str:
    """A deadline countdown in words: "12 days, 3 hours left"."""
    if not isinstance(seconds, int) or seconds <= 0:
        return "Ended"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(_plural(days, "day"))
    if hours:
        parts.append(_plural(hours, "hour"))
    if not days and (minutes or not parts):
        parts.append(_plural(minutes, "minute"))
    return ", ".join(parts) + " left"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def when(value: object) -> str:
    """An RFC 3339 time from an API as "2026-11-01 12:00 UTC"."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def percent(part: object, whole: object) -> int:
    """`part` as a whole percent of `whole`, for a progress bar (0 when there is no whole)."""
    if not isinstance(part, int) or not isinstance(whole, int) or whole <= 0:
        return 0
    return max(0, part * 100 // whole)


def can_log_expenses(balance: dict[str, Any] | None) -> bool:
    """Whether the ledger says its creator may log an expense now (from the campaign's balance;
    None until the ledger hears of the campaign: not yet)."""
    return balance is not None and balance.get("can_log_expenses") is True


def tier_options(campaign: dict[str, Any]) -> list[tuple[str, str]]:
    """A campaign's tiers as a form's choices: (id, "Name (from €10.00)")."""
    currency, options = campaign.get("currency"), []
    for tier in campaign.get("tiers") or []:
        least = money(tier.get("min_amount"), currency)
        options.append((str(tier.get("id")), f"{tier.get('name')} (from {least})"))
    return options


def in_words(value: object) -> str:
    """A state or kind as the services name it ("payment_failed", "dispute_reversal"), as a
    person reads it ("payment failed")."""
    return "" if value is None else str(value).replace("_", " ")
