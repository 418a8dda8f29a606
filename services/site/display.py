"""How figures read on the site: money in the currency's units, time left in words."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import get_decimal_symbol
from flask_babel import gettext as _
from flask_babel import ngettext

from services.site.i18n import current_language
from services.site.locales import visitor_locale
from shared.i18n import gettext_noop as N_
from shared.money import UnknownCurrency, format_amount, to_major_units

#: The services' states and kinds as a person reads them; any other shown with spaces.
_WORDS = {
    "draft": N_("draft"),
    "live": N_("live"),
    "succeeded": N_("succeeded"),
    "failed": N_("failed"),
    "cancelled": N_("cancelled"),
    "pledged": N_("pledged"),
    "collecting": N_("collecting"),
    "collected": N_("collected"),
    "payment_failed": N_("payment failed"),
    "dropped": N_("dropped"),
    "released": N_("released"),
    "refunded": N_("refunded"),
    "contribution": N_("contribution"),
    "refund": N_("refund"),
    "expense": N_("expense"),
    "reversal": N_("reversal"),
    "fee": N_("fee"),
    "dispute": N_("dispute"),
    "dispute_reversal": N_("dispute reversal"),
}


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
        return _("Ended")
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    parts: list[str] = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if not days and (minutes or not parts):
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return _("%(duration)s left", duration=", ".join(parts))


def when(value: object) -> str:
    """An RFC 3339 time from an API as "2026-11-01 12:00 UTC", or in Indonesian
    "1 Nov 2026 12.00 UTC"."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    zone = moment.strftime("%Z")
    if current_language() == "id":
        written = format_datetime(moment, "d MMM y HH.mm", tzinfo=moment.tzinfo, locale="id")
        return f"{written} {zone}".strip()
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month(value: object) -> str:
    """A "YYYY-MM" month from an API as "March 2027" (Indonesian "Maret 2027"); "" if none."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return ""
    first = date(int(match[1]), int(match[2]), 1)
    return format_date(first, "LLLL y", locale=current_language())


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
        options.append(
            (
                str(tier.get("id")),
                _("%(tier)s (from %(least)s)", tier=tier.get("name"), least=least),
            )
        )
    return options


def pledge_state(pledge: dict[str, Any]) -> str:
    """A pledge's state as a person reads it; a refund says how much of how much ("€10.00
    refunded of €45.00"): the pledges service calls a pledge "refunded" from its first refund
    on, which alone reads as if all of it came back."""
    status, amount = pledge.get("status"), pledge.get("amount")
    refunded, currency = pledge.get("refunded_amount"), pledge.get("currency")
    if status == "refunded" and isinstance(refunded, int) and isinstance(amount, int):
        if 0 < refunded < amount:
            return _(
                "%(refunded)s refunded of %(amount)s",
                refunded=money(refunded, currency),
                amount=money(amount, currency),
            )
        return _("refunded in full (%(amount)s)", amount=money(refunded, currency))
    return in_words(status)


def in_words(value: object) -> str:
    """A state or kind as the services name it ("payment_failed", "dispute_reversal"), as a
    person reads it ("payment failed")."""
    if value is None:
        return ""
    words = _WORDS.get(str(value))
    return _(words) if words else str(value).replace("_", " ")


def hex_hash(value: object) -> str:
    """A hash as a person reads it everywhere on the site: lowercase hex, as `sha256sum`
    prints it and as the CSV export and receipts have it. The ledger's API gives leaf and root
    hashes in base64 (RFC 6962 tools' form); anything that is not base64 of a SHA-256 is
    shown as it came."""
    text = "" if value is None else str(value)
    if len(text) != 44 or not text.endswith("="):
        return text
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        return text
    return raw.hex() if len(raw) == 32 else text


def checkpoint_root_hex(checkpoint: object) -> str:
    """The root hash of a signed checkpoint's text (its third line, base64), in hex."""
    lines = str(checkpoint or "").splitlines()
    return hex_hash(lines[2]) if len(lines) > 2 else ""
