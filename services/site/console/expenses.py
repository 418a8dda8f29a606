"""The creator console's expenses page: the ledger's expenses and their reversals, and a form
to reverse an expense still in force."""

from __future__ import annotations

import uuid
from typing import Any

import flask

from services.site import context
from services.site.access import creators_campaign
from services.site.forms import FormState, read_form, send

console_expenses = flask.Blueprint("console_expenses", __name__)

#: The ledger's largest page of entries.
_ENTRIES_PAGE = 1000
#: Pages read at most (200,000 entries); past that the page says the list is cut short.
_MAX_PAGES = 200
#: The largest seq the ledger accepts in a path (2^53 − 1); a longer number is a 404 here.
_MAX_SEQ = 2**53 - 1


def _journal(campaign_id: uuid.UUID) -> tuple[list[dict[str, Any]], bool]:
    """Every entry of the campaign's journal in seq order, and whether it was cut short."""
    ledger, entries, after = context.services().ledger, [], -1
    for _ in range(_MAX_PAGES):
        page = ledger.entries(campaign_id, after_seq=after, limit=_ENTRIES_PAGE)
        if page is None:  # the ledger has not heard of the campaign yet
            return [], False
        entries += page.get("entries", [])
        following = page.get("next_after_seq")
        # Each page must move on: a cursor that does not is the end, never an endless loop.
        if not isinstance(following, int) or following <= after:
            return entries, False
        after = following
    return entries, True


def expense_rows(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The expenses and the reversals of them, in seq order, each with where it stands.

    An entry is reversed at most once, so each expense heads a chain of reversals (a reversal
    of a reversal re-instates it); the expense counts while its chain has even length, and only
    the chain's latest link can be reversed (the ledger refuses the others)."""
    by_seq = {entry.get("seq"): entry for entry in entries}
    reversed_by = {
        entry["reverses_seq"]: entry["seq"]
        for entry in entries
        if entry.get("kind") == "reversal" and isinstance(entry.get("reverses_seq"), int)
    }
    rows = []
    for entry in entries:
        kind, seq = entry.get("kind"), entry.get("seq")
        if kind == "expense":
            chain = [seq]
            while chain[-1] in reversed_by and len(chain) <= len(entries):
                chain.append(reversed_by[chain[-1]])
            rows.append(
                {
                    "entry": entry,
                    "in_force": len(chain) % 2 == 1,
                    # What a "Reverse" form names: the latest link of the chain.
                    "target": chain[-1],
                    "reversed_by": chain[1] if len(chain) > 1 else None,
                    "latest": chain[-1] if len(chain) > 1 else None,
                }
            )
        elif kind == "reversal" and _undoes_an_expense(entry, by_seq):
            rows.append({"entry": entry, "reversed_by": reversed_by.get(seq)})
    return rows


def _undoes_an_expense(entry: dict[str, Any], by_seq: dict[Any, dict[str, Any]]) -> bool:
    """Whether a reversal's chain starts at an expense (not at pledge money)."""
    for _ in range(len(by_seq)):
        entry = by_seq.get(entry.get("reverses_seq"), {})
        if entry.get("kind") != "reversal":
            return entry.get("kind") == "expense"
    return False


def _page(
    campaign: dict[str, Any], failed: dict[str, Any] | None = None, status: int = 200
) -> tuple[str, int]:
    campaign_id = campaign.get("id")
    entries, cut_short = _journal(campaign_id)  # type: ignore[arg-type]
    rows = expense_rows(entries)
    if failed is not None and failed["seq"] not in {r["target"] for r in rows if r.get("in_force")}:
        # No form of that entry is on the page any more: its errors go above the table.
        form: FormState = failed["form"]
        form.errors = {"_form": [m for messages in form.errors.values() for m in messages]}
    balance = context.services().ledger.balance(campaign_id)
    page = flask.render_template(
        "console_expenses.html",
        campaign=campaign,
        rows=rows,
        cut_short=cut_short,
        balance=balance,
        failed=failed,
        blank=FormState(),
    )
    return page, status


@console_expenses.get("/console/campaigns/<uuid:campaign_id>/expenses")
def expenses(campaign_id: uuid.UUID) -> Any:
    _, campaign = creators_campaign(campaign_id)
    return _page(campaign)


@console_expenses.post(
    f"/console/campaigns/<uuid:campaign_id>/expenses/<int(max={_MAX_SEQ}):seq>/reverse"
)
def reverse(campaign_id: uuid.UUID, seq: int) -> Any:
    back = flask.url_for("console_expenses.expenses", campaign_id=campaign_id)
    visitor, campaign = creators_campaign(campaign_id, back_to=back)
    form = read_form({"reason"})
    reversal = send(
        form,
        lambda: context.services().ledger.reverse(
            campaign_id, seq, form.values["reason"], token=visitor.token
        ),
        fields={"reason"},
        fallback="The ledger refused it.",
    )
    if reversal is None:
        # 409: not an expense, or reversed already; anything else is the reason's fault.
        return _page(campaign, {"seq": seq, "form": form}, form.status)
    flask.flash(f"Entry {seq} is reversed by entry {reversal.get('seq')}.")
    return flask.redirect(back)
