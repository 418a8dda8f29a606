"""The campaign form the console shows for a new campaign and for editing a draft: what people
type, read into the pledges API's body, and a draft's terms read back into the form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import flask
from flask_babel import gettext as _

from services.site.display import major_units
from services.site.forms import FormState, read_form
from services.site.i18n import current_language
from shared.i18n import gettext_noop as N_
from shared.languages import DEFAULT_LANGUAGE, LANGUAGES
from shared.money import is_currency

#: Rows a form from before rows could be added and removed offered, for tiers and budget lines
#: alike; a new form starts with one of each ("Add a tier" adds more).
ROWS = 3
#: The most rows the form offers: the pledges service's own limits (MAX_TIERS,
#: MAX_BUDGET_LINES), so a forged count of a million rows reads nothing and says why.
MAX_TIER_ROWS = 50
MAX_BUDGET_ROWS = 100
_FIELD_MAX = 10_000
_TEXT_FIELDS = (
    "title",
    "description",
    "goal",
    "currency",
    "deadline",
    "timezone",
    "funding_model",
    "language",
)
#: What a tier row and a budget row hold, by the form's field prefix.
TIER_PARTS = ("name", "min", "limit", "description", "month")
BUDGET_PARTS = ("category", "amount")
#: The API's field names → the form's, so its errors land next to the right field.
_API_FIELDS = {"goal_amount": "goal"}


def rows_for(campaign: dict[str, Any]) -> tuple[int, int]:
    """Tier and budget rows for a draft: one per tier and line, and one blank to fill."""
    tiers, budget = campaign.get("tiers") or [], campaign.get("budget") or []
    return len(tiers) + 1, len(budget) + 1


def row_counts(form: FormState | None = None) -> tuple[int, int]:
    """How many tier and budget rows the sent form had (its hidden counts), within bounds; a
    form that sent more than the service takes hears so next to the rows."""
    counts = []
    for kind, most, label in (
        ("tier", MAX_TIER_ROWS, _("A campaign has at most %(count)d tiers.", count=MAX_TIER_ROWS)),
        (
            "budget",
            MAX_BUDGET_ROWS,
            _("A budget has at most %(count)d lines.", count=MAX_BUDGET_ROWS),
        ),
    ):
        text = flask.request.form.get(f"{kind}_rows", "")[:12]
        count = int(text) if text.isdigit() else ROWS
        if count > most and form is not None:
            form.add("tiers" if kind == "tier" else "budget", label)
        counts.append(min(max(count, 1), most))
    return counts[0], counts[1]


def changed_rows(form: FormState, tier_rows: int, budget_rows: int) -> tuple[int, int] | None:
    """When "Add a tier", "Add a budget line" or a row's "Remove" was pressed: the new row
    counts, with a removed row's values taken out and the rows after it moved up (the form is
    shown again with everything typed kept); None when the form was sent to be saved."""
    sent = flask.request.form
    if sent.get("add") == "tier":
        if tier_rows >= MAX_TIER_ROWS:
            form.add("tiers", _("A campaign has at most %(count)d tiers.", count=MAX_TIER_ROWS))
            return tier_rows, budget_rows
        return tier_rows + 1, budget_rows
    if sent.get("add") == "budget":
        if budget_rows >= MAX_BUDGET_ROWS:
            form.add("budget", _("A budget has at most %(count)d lines.", count=MAX_BUDGET_ROWS))
            return tier_rows, budget_rows
        return tier_rows, budget_rows + 1
    for kind, rows, parts in (
        ("tier", tier_rows, (*TIER_PARTS, "id")),
        ("budget", budget_rows, BUDGET_PARTS),
    ):
        removed = sent.get(f"remove_{kind}", "")
        if removed.isdigit() and int(removed) < rows:
            for row in range(int(removed), rows - 1):
                for part in parts:
                    form.values[f"{kind}_{part}_{row}"] = form.values.get(
                        f"{kind}_{part}_{row + 1}", ""
                    )
            for part in parts:
                form.values.pop(f"{kind}_{part}_{rows - 1}", None)
            smaller = max(rows - 1, 1)
            return (smaller, budget_rows) if kind == "tier" else (tier_rows, smaller)
    return None


def read_campaign_form(
    tier_rows: int = ROWS, budget_rows: int = ROWS, *, keep_tier_ids: bool = False
) -> tuple[FormState, dict[str, Any]]:
    """The typed form, and the campaign body it makes (valid only if the form is ok). With
    `keep_tier_ids`, each tier row's hidden id goes along, so an edited draft keeps its tiers.
    Every error is found at once, not the first only."""
    names = list(_TEXT_FIELDS)
    for row in range(tier_rows):
        names += [f"tier_{part}_{row}" for part in TIER_PARTS]
        if keep_tier_ids:
            names.append(f"tier_id_{row}")
    for row in range(budget_rows):
        names += [f"budget_{part}_{row}" for part in BUDGET_PARTS]
    form = read_form(names, max_chars=_FIELD_MAX)
    values = form.values
    form.require({"title": _("Enter a title.")})
    currency = values["currency"].strip().upper()
    values["currency"] = currency
    body: dict[str, Any] = {"title": values["title"], "description": values["description"]}
    if not is_currency(currency):
        form.add("currency", _("Enter a currency code, like EUR or USD."))
    body["currency"] = currency
    body["goal_amount"] = _amount(form, "goal", currency)
    if values["funding_model"] not in ("flexible", "all_or_nothing"):
        form.add("funding_model", _("Choose Flexible or All or nothing."))
    body["funding_model"] = values["funding_model"]
    # A form without the choice (an older page) writes in the language the creator reads.
    values["language"] = values["language"] or current_language()
    if values["language"] not in LANGUAGES:
        form.add("language", _("Choose the language of the campaign's automatic updates."))
    body["language"] = values["language"]
    body["deadline"] = _deadline(form)
    body["tiers"], body["budget"] = [], []
    for row in range(tier_rows):
        if any(values[f"tier_{part}_{row}"].strip() for part in TIER_PARTS):
            tier: dict[str, Any] = {"name": values[f"tier_name_{row}"].strip()}
            if not tier["name"]:
                form.add(f"tier_name_{row}", _("Name the tier, or empty its row."))
            tier["min_amount"] = _amount(form, f"tier_min_{row}", currency)
            tier["limit"] = _count(form, f"tier_limit_{row}")
            tier["description"] = values[f"tier_description_{row}"].strip()
            tier["delivery_month"] = month_field(form, f"tier_month_{row}")
            if keep_tier_ids and values[f"tier_id_{row}"].strip():
                # Checked by the API: an id that is not one of the draft's tiers is refused.
                tier["id"] = values[f"tier_id_{row}"].strip()
            body["tiers"].append(tier)
    for row in range(budget_rows):
        if values[f"budget_category_{row}"].strip() or values[f"budget_amount_{row}"].strip():
            line: dict[str, Any] = {"category": values[f"budget_category_{row}"].strip()}
            line["amount"] = _amount(form, f"budget_amount_{row}", currency)
            body["budget"].append(line)
    return form, body


def filled_with(campaign: dict[str, Any]) -> FormState:
    """The form showing a draft's terms, amounts in the currency's units, the deadline in UTC."""
    currency = campaign.get("currency")
    values = {
        "title": str(campaign.get("title") or ""),
        "description": str(campaign.get("description") or ""),
        "goal": major_units(campaign.get("goal_amount"), currency),
        "currency": str(currency or ""),
        "deadline": deadline_field(campaign.get("deadline")),
        "timezone": "UTC",
        "funding_model": str(campaign.get("funding_model") or ""),
        "language": str(campaign.get("language") or DEFAULT_LANGUAGE),
    }
    for row, tier in enumerate(campaign.get("tiers") or []):
        values[f"tier_id_{row}"] = str(tier.get("id") or "")
        values[f"tier_name_{row}"] = str(tier.get("name") or "")
        values[f"tier_min_{row}"] = major_units(tier.get("min_amount"), currency)
        limit = tier.get("limit")
        values[f"tier_limit_{row}"] = "" if limit is None else str(limit)
        values[f"tier_description_{row}"] = str(tier.get("description") or "")
        values[f"tier_month_{row}"] = str(tier.get("delivery_month") or "")
    for row, line in enumerate(campaign.get("budget") or []):
        values[f"budget_category_{row}"] = str(line.get("category") or "")
        values[f"budget_amount_{row}"] = major_units(line.get("amount"), currency)
    return FormState(values=values)


def deadline_field(value: object) -> str:
    """An API time as a `datetime-local` value in UTC ("2027-03-31T18:00"); "" if unreadable."""
    if not isinstance(value, str):
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M")


def add_api_errors(form: FormState, errors: dict[str, list[str]], detail: str) -> None:
    """An API refusal of the campaign body, its field errors next to the form's fields (a
    tier's or budget line's, `tiers[1].min_amount`, next to the row it was typed in)."""
    renamed: dict[str, list[str]] = {}
    for name, found in errors.items():
        target = _API_FIELDS.get(name) or _row_field(form, name) or name
        renamed.setdefault(target, []).extend(found)
    form.add_api_errors(renamed, set(form.values), detail)


_ROW_FIELD = re.compile(r"(tiers|budget)\[(\d+)\]\.(\w+)")
#: A row's API field → the form's field prefix (the row number follows).
_ROW_FIELDS = {
    ("tiers", "name"): "tier_name_",
    ("tiers", "min_amount"): "tier_min_",
    ("tiers", "limit"): "tier_limit_",
    ("tiers", "description"): "tier_description_",
    ("tiers", "delivery_month"): "tier_month_",
    ("budget", "category"): "budget_category_",
    ("budget", "amount"): "budget_amount_",
}


def _row_field(form: FormState, name: str) -> str | None:
    """The form field an API error about the n-th tier or budget line belongs to: the body
    leaves blank rows out, so the n-th item is the n-th row with something typed in it."""
    match = _ROW_FIELD.fullmatch(name)
    if match is None or (match[1], match[3]) not in _ROW_FIELDS:
        return None
    prefix = _ROW_FIELDS[match[1], match[3]]
    parts = TIER_PARTS if match[1] == "tiers" else BUDGET_PARTS
    kind = "tier" if match[1] == "tiers" else "budget"
    rows = sum(1 for field in form.values if field.startswith(f"{kind}_{parts[0]}_"))
    filled = [
        row
        for row in range(rows)
        if any(form.values.get(f"{kind}_{part}_{row}", "").strip() for part in parts)
    ]
    index = int(match[2])
    return f"{prefix}{filled[index]}" if index < len(filled) else None


def _amount(form: FormState, name: str, currency: str) -> int | None:
    if not is_currency(currency):
        return None  # the currency's own error says why; units cannot be known without it
    return form.amount(name, currency)


def _count(form: FormState, name: str) -> int | None:
    """A tier's limit: a whole number of backers, or blank for no limit."""
    text = form.values[name].strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 9 or int(text) <= 0:
        form.add(name, _("Enter a whole number of backers above zero, or leave it blank."))
        return None
    return int(text)


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_field(form: FormState, name: str) -> str | None:
    """A tier's estimated delivery month as a `month` input sends it ("2027-03"); blank: none.
    Whether it is late enough is the service's rule (not before the deadline's month)."""
    text = form.values[name].strip()
    if not text:
        return None
    if not _MONTH.fullmatch(text):
        form.add(name, _("Enter the month as year and month, like 2027-03."))
        return None
    return text


@cache
def time_zones() -> tuple[str, ...]:
    """The time zones a creator may choose: IANA's place names (`Asia/Jakarta`), and UTC."""
    places = (
        name
        for name in available_timezones()
        if "/" in name and name.split("/")[0] not in ("Etc", "SystemV", "US", "posix", "right")
    )
    return ("UTC", *sorted(places))


def time_zone_options() -> list[tuple[str, str]]:
    """The time zones as a select's (value, words) choices: "America/New York"."""
    return [(name, name.replace("_", " ")) for name in time_zones()]


def default_time_zone(language: str) -> str:
    """Without JavaScript the browser does not say where the creator is: an Indonesian page
    suggests Jakarta (WIB), any other UTC; the creator's choice is kept when the form returns."""
    return "Asia/Jakarta" if language == "id" else "UTC"


def _zone(form: FormState) -> ZoneInfo | None:
    name = form.values["timezone"].strip() or "UTC"  # an older form: read as UTC, as it said
    if name not in time_zones():
        form.add("timezone", _("Choose a time zone from the list."))
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        form.add("timezone", _("Choose a time zone from the list."))
        return None


def _deadline(form: FormState) -> str | None:
    """A `datetime-local` value in the chosen time zone, as RFC 3339 UTC. A wall-clock time
    the zone skips (clocks going forward) or has twice (going back) is refused: guessing
    would move the deadline by an hour without the creator knowing."""
    text = form.values["deadline"].strip()
    zone = _zone(form)
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        moment = None
    if moment is None:
        form.add("deadline", _("Enter the deadline as a date and time, like 2027-03-31T18:00."))
        return None
    if zone is None:
        return None
    if moment.tzinfo is not None:  # typed with an offset: it says which moment it means
        return moment.astimezone(UTC).isoformat()
    local = moment.replace(tzinfo=zone)
    back = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    if back != moment:
        form.add(
            "deadline",
            _(
                "%(time)s does not exist in %(zone)s: the clocks go forward then. "
                "Choose another time.",
                time=moment.strftime("%Y-%m-%d %H:%M"),
                zone=zone.key,
            ),
        )
        return None
    if local.utcoffset() != moment.replace(tzinfo=zone, fold=1).utcoffset():
        form.add(
            "deadline",
            _(
                "%(time)s happens twice in %(zone)s: the clocks go back then. Choose another time.",
                time=moment.strftime("%Y-%m-%d %H:%M"),
                zone=zone.key,
            ),
        )
        return None
    return local.astimezone(UTC).isoformat()


def deadline_in_utc(form: FormState) -> str | None:
    """The typed deadline as UTC words ("2027-03-31 11:00 UTC"), to show beside the field when
    the form returns; None when it cannot be read."""
    probe = FormState(values=dict(form.values))
    found = _deadline(probe)
    if found is None:
        return None
    return datetime.fromisoformat(found).strftime("%Y-%m-%d %H:%M UTC")


def refusal_in_words(errors: dict[str, list[str]], detail: str) -> str:
    """A refusal of the whole campaign (its launch), the field it blames named in words:
    "The first tier's minimum must be at least €0.50: …" rather than "must be at least …"."""
    for name, messages in errors.items():
        for message in messages:
            label = _field_in_words(name)
            if label and message.startswith("must "):
                return _("%(field)s %(message)s.", field=label, message=message)
            return message if message.endswith(".") else f"{message}."
    return detail


def _field_in_words(name: str) -> str | None:
    named = {"goal_amount": _("The goal"), "currency": _("The currency")}
    if name == "deadline":
        return _("The deadline")
    if name in named:
        return named[name]
    match = _ROW_FIELD.fullmatch(name)
    if match is None or match[1] != "tiers" or match[3] != "min_amount":
        return None
    index = int(match[2])
    if index < len(_TIER_MINIMUMS):
        return _(_TIER_MINIMUMS[index])
    return _("The minimum of tier number %(number)d", number=index + 1)


_TIER_MINIMUMS = (
    N_("The first tier's minimum"),
    N_("The second tier's minimum"),
    N_("The third tier's minimum"),
    N_("The fourth tier's minimum"),
    N_("The fifth tier's minimum"),
)
