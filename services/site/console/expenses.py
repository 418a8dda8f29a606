"""The creator console's expenses page: the ledger's expenses and their reversals, where each
stands as the ledger says, a form to reverse an expense still in force, and one to publish a
copy of an expense's receipt for the campaign's backers."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _

from services.site import context
from services.site.access import creators_campaign
from services.site.confirming import Confirmation, confirmation_page, confirmed
from services.site.display import money
from services.site.forms import FormState, read_form, send
from services.site.limits import published

console_expenses = flask.Blueprint("console_expenses", __name__)

#: The ledger's largest page of expenses.
_EXPENSES_PAGE = 1000
#: Pages read at most (200,000 expenses and reversals); past that the page says the list is cut
#: short.
_MAX_PAGES = 200
#: The largest seq the ledger accepts in a path (2^53 − 1); a longer number is a 404 here.
_MAX_SEQ = 2**53 - 1


def _expenses(campaign_id: uuid.UUID) -> tuple[list[dict[str, Any]], bool]:
    """The campaign's expenses and the reversals of them, in seq order, each with where the
    ledger says it stands (`in_force`, `reversible`, `reversed_by`); and whether the list was
    cut short."""
    ledger, listed, after = context.services().ledger, [], -1
    for _page in range(_MAX_PAGES):
        page = ledger.expenses(campaign_id, after_seq=after, limit=_EXPENSES_PAGE)
        if page is None:  # the ledger has not heard of the campaign yet
            return [], False
        listed += page.get("expenses", [])
        following = page.get("next_after_seq")
        # Each page must move on: a cursor that does not is the end, never an endless loop.
        if not isinstance(following, int) or following <= after:
            return listed, False
        after = following
    return listed, True


def expense_rows(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table's rows: each expense with the entry its "Reverse" form names (the latest
    reversal of it, when it was reversed and re-instated), and each reversal with its own.

    The ledger decides what counts and what may be reversed; the site only follows each
    entry's `reversed_by` to the end of its chain, to put the form on the expense's row."""
    by_seq = {entry.get("seq"): entry for entry in listed}
    rows = []
    for entry in listed:
        if entry.get("kind") != "expense":
            rows.append({"entry": entry, "reversed_by": entry.get("reversed_by")})
            continue
        latest = entry
        for _step in range(len(listed)):
            following = by_seq.get(latest.get("reversed_by"))
            if following is None:
                break
            latest = following
        rows.append(
            {
                "entry": entry,
                "in_force": entry.get("in_force") is True,
                "target": latest.get("seq"),
                "reversible": latest.get("reversible") is True,
                "reversed_by": entry.get("reversed_by"),
                "latest": None if latest is entry else latest.get("seq"),
            }
        )
    return rows


@console_expenses.url_value_preprocessor
def _allow_a_receipt_copy(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Before the app's CSRF check parses the form: a copy may be as large as a receipt; every
    # other form keeps the site's small limit.
    if endpoint == "console_expenses.publish_copy":
        flask.request.max_content_length = published().receipt_upload_max()


def _page(
    campaign: dict[str, Any],
    failed: dict[str, Any] | None = None,
    status: int = 200,
    copy_failed: dict[str, Any] | None = None,
) -> tuple[str, int]:
    campaign_id = campaign.get("id")
    listed, cut_short = _expenses(campaign_id)  # type: ignore[arg-type]
    rows = expense_rows(listed)
    if copy_failed is not None and copy_failed["seq"] not in {
        r["entry"].get("seq") for r in rows if r["entry"].get("kind") == "expense"
    }:
        # No expense of that entry is on the page: its errors go above the table.
        failed_form: FormState = copy_failed["form"]
        failed_form.errors = {
            "_form": [m for messages in failed_form.errors.values() for m in messages]
        }
    visitor = context.visitor()
    found = context.services().ledger.receipt_copies(
        campaign_id, token=None if visitor is None else visitor.token
    )
    copies = {copy.get("receipt_sha256"): copy for copy in (found or {}).get("copies", [])}
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
        copy_failed=copy_failed,
        copies=copies,
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
    if not form.values["reason"].strip():
        form.add(
            "reason", _("Give the reason for reversing it: it is published with the reversal.")
        )
        return _page(campaign, {"seq": seq, "form": form}, 422)
    if not confirmed():
        return _confirm_reversal(campaign, seq, form, back)
    reversal = send(
        form,
        lambda: context.services().ledger.reverse(
            campaign_id, seq, form.values["reason"], token=visitor.token
        ),
        fields={"reason"},
        fallback=_("The ledger refused it."),
    )
    if reversal is None:
        # 409: not an expense, or reversed already; anything else is the reason's fault.
        return _page(campaign, {"seq": seq, "form": form}, form.status)
    flask.flash(
        _("Entry %(seq)s is reversed by entry %(reversal)s.", seq=seq, reversal=reversal.get("seq"))
    )
    return flask.redirect(back)


def _confirm_reversal(
    campaign: dict[str, Any], seq: int, form: FormState, back: str
) -> tuple[str, int]:
    """The reversal entry that will be appended and that the expense stays in the books; the
    expenses page with the reason to try again when the ledger no longer offers that entry."""
    listed, _cut_short = _expenses(campaign["id"])
    rows = [r for r in expense_rows(listed) if r.get("target") == seq]
    if not rows or not (rows[0]["in_force"] and rows[0]["reversible"]):
        form.add(
            "_form",
            _(
                "The ledger does not offer to reverse entry %(seq)s: it is no expense in force.",
                seq=seq,
            ),
        )
        return _page(campaign, {"seq": seq, "form": form}, 409)
    expense = rows[0]["entry"]
    amount = money(expense.get("amount"), campaign.get("currency"))
    reason = form.values["reason"].strip()
    confirmation = Confirmation(
        title=_("Reverse expense %(seq)s?", seq=expense.get("seq")),
        consequences=[
            _(
                "Expense %(seq)s: %(amount)s for %(category)s, “%(description)s”.",
                seq=expense.get("seq"),
                amount=amount,
                category=expense.get("category"),
                description=expense.get("memo"),
            ),
            _(
                "A reversal entry of %(amount)s is appended to the ledger with your reason, "
                "“%(reason)s”, and the %(amount)s counts as available to spend again.",
                amount=amount,
                reason=reason,
            ),
            _(
                "The expense stays in the public books for good, marked as reversed, and so does "
                "the reversal: nothing is ever removed from the ledger."
            ),
        ],
        action=flask.url_for("console_expenses.reverse", campaign_id=campaign["id"], seq=seq),
        button=_("Reverse expense %(seq)s", seq=expense.get("seq")),
        back=back,
        back_label=_("No, go back"),
        fields={"reason": form.values["reason"]},
    )
    return confirmation_page(confirmation), 200


@console_expenses.post(
    f"/console/campaigns/<uuid:campaign_id>/expenses/<int(max={_MAX_SEQ}):seq>/receipt-copy"
)
def publish_copy(campaign_id: uuid.UUID, seq: int) -> Any:
    """Publish a copy of the expense's receipt for the backers: the original, once the creator
    confirms it holds no personal data, or a copy they redacted."""
    back = flask.url_for("console_expenses.expenses", campaign_id=campaign_id)
    visitor, campaign = creators_campaign(campaign_id, back_to=back)
    form = read_form({"kind"})
    kind = form.values["kind"]
    upload = flask.request.files.get("copy")
    chosen = upload is not None and bool(upload.filename)
    if kind not in ("original", "redacted"):
        form.add("kind", _("Choose what backers will see: a redacted copy, or the original."))
    elif kind == "redacted" and not chosen:
        form.add("copy", _("Choose the redacted copy (a PDF, PNG or JPEG file)."))
    published_copy = None
    if form.ok:
        # The upload's own stream goes on to the ledger as it is read (see console/money.py).
        sent = (
            (
                upload.filename or "copy",
                upload.stream,
                upload.mimetype or "application/octet-stream",
            )
            if kind == "redacted" and upload is not None and chosen
            else None
        )
        published_copy = send(
            form,
            lambda: context.services().ledger.publish_receipt_copy(
                campaign_id, seq, kind, sent, token=visitor.token
            ),
            fields={"kind", "copy"},
            fallback=_("The ledger refused it."),
            error_pages={401, 403, 404},
        )
    if published_copy is None:
        return _page(campaign, copy_failed={"seq": seq, "form": form}, status=form.status)
    flask.flash(
        _(
            "A copy of the receipt of entry %(seq)s is published for the campaign's backers.",
            seq=seq,
        )
    )
    return flask.redirect(f"{back}#entry-{seq}")
