"""The campaign page, assembled from the three APIs: for its GET, and for one of its forms shown
again with its errors (a pledge, a change of pledge, a comment, a comment hidden). A helper of
the pages, backing and comments blueprints, none of which imports another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import flask

from services.site import access, context, sharing_links
from services.site.clients import ApiError
from services.site.forms import FormState
from services.site.limits import published

#: Ledger entries shown per page of the money trail.
ENTRIES_PAGE = 100
#: The visitor's pledges to one campaign read at most (the API keeps one active at most).
_OWN_PLEDGES = 50


@dataclass(frozen=True)
class Retry:
    """One form of the page shown again: its kind (`change`, `cancel`, `comment`, `hide`), the
    pledge, update or comment it was for, and what was typed with what went wrong."""

    kind: str
    target: str
    form: FormState


def signed_in(campaign_id: uuid.UUID, why: str) -> context.Visitor:
    """The visitor, for a form of the page; for nobody signed in, SignInRequired saying `why`
    and coming back to the campaign's page."""
    page = flask.url_for("pages.campaign", campaign_id=campaign_id)
    return access.signed_in(message=why, back_to=page)


def render(
    campaign_id: uuid.UUID,
    *,
    form: FormState | None = None,
    retry: Retry | None = None,
    campaign: dict[str, Any] | None = None,
    entries_after: int = -1,
) -> str:
    """The page; `form` is the new-pledge form, `retry` any other form shown again."""
    services, visitor = context.services(), context.visitor()
    token = None if visitor is None else visitor.token
    if campaign is None:
        campaign = services.pledges.campaign(campaign_id, token=token)
    updates = services.updates.campaign_updates(campaign_id, token=token)

    def form_for(kind: str, target: object, **defaults: object) -> FormState:
        """The form shown again if it is this one; else a fresh one holding `defaults`."""
        if retry is not None and (retry.kind, retry.target) == (kind, str(target)):
            return retry.form
        return FormState(values={name: str(value) for name, value in defaults.items()})

    found = own_pledges(campaign_id, visitor)
    my_pledges = [pledge for pledge in found if pledge.get("status") == "pledged"]
    # A failed payment the service still lets the backer fix (it gives a date only then).
    failed = [pledge for pledge in found if pledge.get("payment_retry_until")]
    return flask.render_template(
        "campaign.html",
        campaign=campaign,
        trail=money_trail(campaign_id, entries_after),
        updates=updates,
        threads=comment_threads(updates, visitor),
        my_pledges=my_pledges,
        failed_pledges=failed,
        takes_cards=bool(my_pledges or failed) and takes_cards(),
        card_saving=flask.request.args.get("card") == "saving",
        pledges_open=pledges_open(campaign),
        form=form or FormState(),
        form_for=form_for,
        idempotency_key=str(uuid.uuid4()),
        ledger_url=context.settings().ledger_public_url,
        share=sharing_links.page_meta(
            title=str(campaign.get("title", "")),
            description=str(campaign.get("description", "")),
            path=flask.url_for("pages.campaign", campaign_id=campaign_id),
            campaign=campaign,
        ),
    )


def pledges_open(campaign: dict[str, Any]) -> bool:
    """Pledges may still be made, changed and cancelled: live, and before the deadline."""
    left = campaign.get("seconds_left")
    return campaign.get("status") == "live" and isinstance(left, int) and left > 0


def takes_cards() -> bool:
    """Whether pledges here are charged to a saved card: only when the pledges service says money
    really moves (never in test mode, where a pledge needs no card)."""
    return published().money_moves()


def own_pledges(campaign_id: uuid.UUID, visitor: context.Visitor | None) -> list[dict[str, Any]]:
    """The signed-in backer's pledges to this campaign, as the pledges service picks them (it
    keeps one active at most, but the page does not depend on that)."""
    if visitor is None or not visitor.is_backer:
        return []
    return context.services().pledges.my_pledges(
        token=visitor.token, campaign_id=campaign_id, limit=_OWN_PLEDGES
    )


def comment_threads(
    updates: list[dict[str, Any]], visitor: context.Visitor | None
) -> dict[str, list[dict[str, Any]]]:
    """Each readable update's comments, by update id, for a visitor allowed to read them.

    Only the campaign's backers and creator may; the same people for every update of a
    campaign, so the first refusal ends the asking. An update missing from the thread map is
    shown with a line saying who discusses it, never as an error.
    """
    if visitor is None:
        return {}  # the API asks for a token; nobody signed in reads the threads
    updates_api, threads = context.services().updates, {}
    for update in updates:
        if "body_html" not in update:
            continue  # a backers-only update this visitor may not read
        try:
            found = updates_api.comments(update["id"], token=visitor.token)
        except ApiError as exc:
            if exc.status == 403:
                break
            if exc.status == 404:  # the updates service lost or never had it: no thread
                continue
            raise
        threads[str(update["id"])] = found
    return threads


def money_trail(campaign_id: uuid.UUID, after_seq: int = -1) -> dict[str, Any] | None:
    """The ledger's figures, a page of entries (those after `after_seq`) and the latest
    checkpoint; None until the ledger hears of the campaign."""
    ledger = context.services().ledger
    balance = ledger.balance(campaign_id)
    # One more than is shown, to know whether a later page has anything on it.
    page = ledger.entries(campaign_id, after_seq=after_seq, limit=ENTRIES_PAGE + 1)
    if balance is None or page is None:
        return None
    checkpoint = ledger.checkpoint(campaign_id)
    copies = receipt_copies(campaign_id)
    lines = (checkpoint or "").splitlines()
    entries = page.get("entries", [])
    shown = entries[:ENTRIES_PAGE]
    return {
        "balance": balance,
        "entries": shown,
        "after_seq": None if after_seq < 0 else after_seq,
        # Seqs run from 0 without gaps, so the page before starts a page size earlier.
        "earlier_after_seq": after_seq - ENTRIES_PAGE if after_seq - ENTRIES_PAGE >= 0 else None,
        "later_after_seq": shown[-1].get("seq") if len(entries) > ENTRIES_PAGE else None,
        "checkpoint": checkpoint,
        # The checkpoint's body: origin line, then tree size (C2SP tlog-checkpoint).
        "origin": lines[0] if lines else None,
        "tree_size": lines[1] if len(lines) > 1 and lines[1].isdigit() else None,
        # The receipts' public copies by the original's SHA-256, and whether this visitor may
        # open them (the ledger says: the campaign's backers, its creator, auditors).
        "copies": {copy.get("receipt_sha256"): copy for copy in copies.get("copies", [])},
        "copies_viewable": copies.get("viewable") is True,
    }


def receipt_copies(campaign_id: uuid.UUID) -> dict[str, Any]:
    """The ledger's list of receipts' public copies, as this visitor may see it; as the public
    sees it when the visitor's token is no longer good (a public page never asks to sign in)."""
    ledger = context.services().ledger
    try:
        found = ledger.receipt_copies(campaign_id, token=context.token())
    except ApiError as exc:
        if exc.status != 401:
            raise
        found = ledger.receipt_copies(campaign_id, token=None)
    return found or {}


#: The receipts the audit page lists at most (one page of the ledger's expenses); the exports
#: link every receipt.
AUDIT_RECEIPTS = 1000


def expense_receipts(campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    """The campaign's expenses that name a receipt, in ledger order (the first AUDIT_RECEIPTS)."""
    page = context.services().ledger.expenses(campaign_id, after_seq=-1, limit=AUDIT_RECEIPTS)
    listed = [] if page is None else page.get("expenses", [])
    return [e for e in listed if e.get("kind") == "expense" and e.get("receipt_sha256")]
