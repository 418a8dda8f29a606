"""The form that revises a launched campaign's words (title, story, each tier's name,
description and delivery month), read into the pledges API's edit body. Amounts, limits, the
goal and the deadline are never sent: backers pledged on them."""

from __future__ import annotations

from typing import Any

from services.site.console.campaign_form import month_field
from services.site.forms import FormState, read_form

_FIELD_MAX = 25_000
#: The parts of a tier row a launched campaign's form offers.
_WORDS = ("name", "description", "month")


def filled_with(campaign: dict[str, Any]) -> FormState:
    values = {
        "title": str(campaign.get("title") or ""),
        "description": str(campaign.get("description") or ""),
    }
    for row, tier in enumerate(campaign.get("tiers") or []):
        values[f"tier_name_{row}"] = str(tier.get("name") or "")
        values[f"tier_description_{row}"] = str(tier.get("description") or "")
        values[f"tier_month_{row}"] = str(tier.get("delivery_month") or "")
    return FormState(values=values)


def read(campaign: dict[str, Any]) -> tuple[FormState, dict[str, Any]]:
    """The typed form and the body it makes. Tiers are the campaign's own, in its order, each
    named by id with its minimum and limit as they stand (the service compares them)."""
    tiers = campaign.get("tiers") or []
    names = ["title", "description"]
    for row in range(len(tiers)):
        names += [f"tier_{part}_{row}" for part in _WORDS]
    form = read_form(names, max_chars=_FIELD_MAX)
    values = form.values
    body: dict[str, Any] = {"title": values["title"], "description": values["description"]}
    body["tiers"] = [
        {
            "id": tier.get("id"),
            "name": values[f"tier_name_{row}"].strip(),
            "min_amount": tier.get("min_amount"),
            "limit": tier.get("limit"),
            "description": values[f"tier_description_{row}"].strip(),
            "delivery_month": month_field(form, f"tier_month_{row}"),
        }
        for row, tier in enumerate(tiers)
    ]
    return form, body


def api_field(name: str) -> str:
    """The form field an API error about `tiers[n].part` belongs to."""
    for part, prefix in (
        ("name", "name"),
        ("description", "description"),
        ("delivery_month", "month"),
    ):
        if name.endswith(f"].{part}") and name.startswith("tiers["):
            return f"tier_{prefix}_{name[6 : name.index(']')]}"
    return name
