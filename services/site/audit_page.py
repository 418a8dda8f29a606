"""The audit page: the public exports for everyone, the exports that name backers for a
signed-in auditor (a form of dates), the original receipts and the proof. Shown by the page's
route and again, with the form's errors, by the auditor's export route."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import flask
from flask_babel import gettext as _

from services.site import campaign_page, context
from services.site.forms import FormState
from shared.web.fields import EARLIEST, LATEST

#: The export form's fields: the first and last day of the entries, as the ledger takes them.
DATE_FIELDS = ("from", "to")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def render(
    campaign_id: uuid.UUID, *, form: FormState | None = None, campaign: dict[str, Any] | None = None
) -> str:
    campaign = campaign or context.services().pledges.campaign(campaign_id, token=context.token())
    return flask.render_template(
        "audit.html",
        campaign=campaign,
        export_form=form or FormState(),
        trail=campaign_page.money_trail(campaign_id),
        receipts=campaign_page.expense_receipts(campaign_id),
        ledger_url=context.settings().ledger_public_url,
    )


def read_dates() -> FormState:
    """The export form's days (`?from=&to=`, each optional), checked as the ledger would check
    them, so a bad one is said beside its field rather than refused by the ledger."""
    form = FormState(values={n: flask.request.args.get(n, "")[:32].strip() for n in DATE_FIELDS})
    days: dict[str, date] = {}
    for name in DATE_FIELDS:
        text = form.values[name]
        if not text:
            continue
        try:
            day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
        except ValueError:
            day = None
        if day is None:
            form.add(name, _("Enter a day as year-month-day, for example 2026-03-31."))
        elif not EARLIEST.date() <= day < LATEST.date():
            form.add(
                name,
                _(
                    "Enter a day between %(first)s and %(last)s.",
                    first=EARLIEST.year,
                    last=LATEST.year - 1,
                ),
            )
        else:
            days[name] = day
    if "from" in days and "to" in days and days["from"] > days["to"]:
        form.add("from", _("The first day must not be after the last day."))
    return form
