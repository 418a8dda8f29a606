"""The services' refusals in words for people: the one place the site turns a problem document
(status, detail, field errors) into sentences, and keeps programmers' words off its pages.

The services write their refusals for any client, so some name an HTTP method and an API path,
a field (`goal_amount`) or an id. Where a refusal carries its figures as data (RFC 9457
extension members: `needed`, `available` and `currency` beside `detail`), the site words it
itself, amounts formatted as everywhere on the site and in the page's language. Otherwise a
sentence the site knows replaces such a refusal; any other message is shown only when it reads
as plain words, else the caller's own sentence for the form (or this module's sentence for the
status) stands in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from werkzeug.http import HTTP_STATUS_CODES

from shared.i18n import gettext_noop as N_

#: Refusals the site meets, recognised by the service's words, and what a person reads instead
#: (`\1` repeats what the pattern's first group found).
_KNOWN: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"verify your e-mail address before launching", re.IGNORECASE),
        N_(
            "Confirm your e-mail address before launching a campaign: open the link we mailed "
            "you, or ask for a new one on your console."
        ),
    ),
    (
        # Without its figures as data (an older service), the amount is not repeated.
        re.compile(r"^the tier (.+) needs at least "),
        N_(r"That is less than the tier \1 asks for: choose a larger amount or another tier."),
    ),
    (
        # It names the API's field; the expense form's field has a label of its own.
        re.compile(r"^this receipt already backs expense (\d+), which is in force"),
        N_(
            r"This receipt already backs expense \1, which is in force: reverse that expense "
            "first, or say why under “Reason for reuse”."
        ),
    ),
    (
        re.compile(r"^no (campaign|pledge|account|update|comment|token)\b", re.IGNORECASE),
        N_("That could not be found: it may have been removed."),
    ),
    (
        re.compile(r"^the ledger has no (campaign|checkpoint)", re.IGNORECASE),
        N_("The ledger has not recorded anything for this campaign yet."),
    ),
)

#: The pledges service's launch refusal while the creator cannot yet be paid.
_PAYOUT_ACCOUNT_NEEDED = re.compile(r"^Connect a payout account before launching")


def needs_payout_account(problem: Mapping[str, Any]) -> bool:
    """The refusal is a launch waiting for the creator's payout account: the page adds a link
    to set it up."""
    return bool(_PAYOUT_ACCOUNT_NEEDED.match(str(problem.get("detail") or "")))


#: marshmallow's own messages (what a field refused), as a person would say them.
_FIELD_WORDS = {
    "Missing data for required field.": N_("This is required."),
    "Field may not be null.": N_("This is required."),
    "Shorter than minimum length 1.": N_("This is required."),
    "Not a valid integer.": N_("Enter a whole number."),
    "Not a valid number.": N_("Enter a number."),
    "Not a valid string.": N_("Enter text here."),
    "Not a valid UUID.": N_("Choose one of the options."),
    "Not a valid date.": N_("Enter a date, like 2026-01-15."),
    "Not a valid datetime.": N_("Enter a date and time, like 2027-03-31T18:00."),
    "Not a valid email address.": N_("Enter an e-mail address, like ada@example.org."),
    "Unknown field.": N_("This was not expected here."),
}

#: What a person reads when a service gave no reason fit to show, by status.
_BY_STATUS = {
    400: N_("That request could not be handled. Please check what you entered and try again."),
    403: N_("You are not allowed to do that."),
    404: N_("That could not be found: it may have been removed."),
    409: N_("That cannot be done as things stand now."),
    410: N_("This link has expired or was already used."),
    413: N_("That is too large."),
    422: N_("Some of what you entered could not be accepted. Please check it and try again."),
    429: N_("Too many attempts. Please wait a little and try again."),
}
#: A field's message that was no sentence for people.
_FIELD_FALLBACK = N_("This could not be accepted. Please check it.")

#: Words meant for programmers: a method and a path, an API path, a field's or a type's name,
#: an id, a nested field (`tiers[1]`), marshmallow's "Invalid json:" preamble, code in braces.
_PROGRAMMERS_WORDS = re.compile(
    r"\b(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+/"
    r"|/api/|(?<![\w.])/(?:me|campaigns|pledges|updates|comments|accounts|sessions|tokens)\b"
    r"|(?<![\w.@+-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b(?![\w.-]*@)"
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\w\[\d*\]|[{}<>]|\bInvalid (?:json|form|query|request|files|headers)\b",
    re.IGNORECASE,
)


def for_people(message: object) -> str:
    """`message` as a sentence for people, or "" when it names what only programmers read."""
    text = str(message or "").strip()
    if not text:
        return ""
    for pattern, sentence in _KNOWN:
        found = pattern.search(text)
        if found:
            return found.expand(_(sentence))
    if text in _FIELD_WORDS:
        return _(_FIELD_WORDS[text])
    return "" if _PROGRAMMERS_WORDS.search(text) else text


def _minor_units(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def from_facts(problem: Mapping[str, Any]) -> str:
    """The refusal worded from the figures it carries as data, amounts as the site writes them
    ("€42.50 needed but only €37.50 available"); "" for a refusal without such figures."""
    # Imported here: display's language reaches the clients, which import this module.
    from services.site.display import money

    currency = problem.get("currency")
    if not isinstance(currency, str):
        return ""
    if _minor_units(problem.get("needed")) and _minor_units(problem.get("available")):
        return _(
            "%(needed)s needed but only %(available)s available.",
            needed=money(problem["needed"], currency),
            available=money(problem["available"], currency),
        )
    if _minor_units(problem.get("min_amount")) and isinstance(problem.get("tier"), str):
        return _(
            "The tier “%(tier)s” needs at least %(least)s: choose a larger amount or another tier.",
            tier=problem["tier"],
            least=money(problem["min_amount"], currency),
        )
    if _minor_units(problem.get("left")) and _minor_units(problem.get("collected")):
        return _(
            "Only %(left)s of the %(collected)s collected is left to refund.",
            left=money(problem["left"], currency),
            collected=money(problem["collected"], currency),
        )
    if isinstance(problem.get("pledge_id"), str) and _minor_units(problem.get("amount")):
        return _(
            "You have already pledged %(amount)s to this campaign, so nothing was changed: "
            "change or cancel that pledge instead.",
            amount=money(problem["amount"], currency),
        )
    return ""


def sentence(status: int, problem: Mapping[str, Any]) -> str:
    """The problem's reason in words for people; "" when it gave none fit to show (the caller
    then says what did not happen: "The pledge was not recorded.")."""
    worded = from_facts(problem)
    if worded:
        return worded
    detail = for_people(problem.get("detail"))
    if detail:
        return detail
    title = problem.get("title")
    if title and title != HTTP_STATUS_CODES.get(status):
        return for_people(title)
    return ""


def for_status(status: int) -> str:
    """A sentence for a refusal with no reason fit to show, by its HTTP status."""
    return _(_BY_STATUS.get(status, N_("That could not be done. Please try again.")))


def field_messages(problem: Mapping[str, Any]) -> dict[str, list[str]]:
    """The problem's field errors (`errors: {field: [messages]}`), nested ones flattened, each
    message in words for people."""
    raw = problem.get("errors")
    if not isinstance(raw, Mapping):
        return {}
    # A field blamed for the refusal itself carries its message: worded from its figures.
    refusal, worded = problem.get("detail"), from_facts(problem)
    found: dict[str, list[str]] = {}
    for name, value in raw.items():
        messages = [
            (worded if worded and text == refusal else for_people(text)) or _(_FIELD_FALLBACK)
            for text in _flat(value)
        ]
        found[str(name)] = list(dict.fromkeys(messages))  # one of each, in order
    return found


def _flat(value: Any) -> list[str]:
    # marshmallow nests errors of nested fields ({"0": {"name": [...]}}); show them flat.
    if isinstance(value, list):
        return [text for item in value for text in _flat(item)]
    if isinstance(value, Mapping):
        return [text for item in value.values() for text in _flat(item)]
    return [str(value)]
