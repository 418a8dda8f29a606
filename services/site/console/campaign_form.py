"""The campaign form the console shows for a new campaign and for editing a draft: what people
type, read into the pledges API's body, and a draft's terms read back into the form."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from services.site.display import major_units
from services.site.forms import FormState, read_form
from services.site.i18n import current_language
from shared.i18n import gettext_noop as N_
from shared.languages import DEFAULT_LANGUAGE, LANGUAGES
from shared.money import is_currency

#: Blank rows the form offers for tiers and for budget lines.
ROWS = 3
_FIELD_MAX = 10_000
_TEXT_FIELDS = (
    "title",
    "description",
    "goal",
    "currency",
    "deadline",
    "funding_model",
    "language",
)
#: The API's field names → the form's, so its errors land next to the right field.
_API_FIELDS = {"goal_amount": "goal"}


def rows_for(campaign: dict[str, Any]) -> int:
    """Rows enough for every tier and budget line of the draft, and one more to add."""
    tiers, budget = campaign.get("tiers") or [], campaign.get("budget") or []
    return max(ROWS, len(tiers) + 1, len(budget) + 1)


def read_campaign_form(
    rows: int = ROWS, *, keep_tier_ids: bool = False
) -> tuple[FormState, dict[str, Any]]:
    """The typed form, and the campaign body it makes (valid only if the form is ok). With
    `keep_tier_ids`, each tier row's hidden id goes along, so an edited draft keeps its tiers."""
    names = list(_TEXT_FIELDS)
    for row in range(rows):
        names += [f"tier_name_{row}", f"tier_min_{row}", f"tier_limit_{row}"]
        names += [f"budget_category_{row}", f"budget_amount_{row}"]
        if keep_tier_ids:
            names.append(f"tier_id_{row}")
    form = read_form(names, max_chars=_FIELD_MAX)
    values = form.values
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
    for row in range(rows):
        if any(values[f"tier_{part}_{row}"].strip() for part in ("name", "min", "limit")):
            tier: dict[str, Any] = {"name": values[f"tier_name_{row}"].strip()}
            tier["min_amount"] = _amount(form, f"tier_min_{row}", currency)
            tier["limit"] = _count(form, f"tier_limit_{row}")
            if keep_tier_ids and values[f"tier_id_{row}"].strip():
                # Checked by the API: an id that is not one of the draft's tiers is refused.
                tier["id"] = values[f"tier_id_{row}"].strip()
            body["tiers"].append(tier)
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
        "funding_model": str(campaign.get("funding_model") or ""),
        "language": str(campaign.get("language") or DEFAULT_LANGUAGE),
    }
    for row, tier in enumerate(campaign.get("tiers") or []):
        values[f"tier_id_{row}"] = str(tier.get("id") or "")
        values[f"tier_name_{row}"] = str(tier.get("name") or "")
        values[f"tier_min_{row}"] = major_units(tier.get("min_amount"), currency)
        limit = tier.get("limit")
        values[f"tier_limit_{row}"] = "" if limit is None else str(limit)
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
    parts = ("name", "min", "limit") if match[1] == "tiers" else ("category", "amount")
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


def _deadline(form: FormState) -> str | None:
    """A `datetime-local` value, read as UTC (the form says so), as RFC 3339."""
    text = form.values["deadline"].strip()
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        moment = None
    if moment is None:
        form.add("deadline", _("Enter the deadline as a date and time, like 2027-03-31T18:00."))
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


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
