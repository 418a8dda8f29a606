"""The beancount export (pure): a journal `bean-check` accepts, whose balances are the ledger's.

Account names: the ledger's chart (services/ledger/domain/accounts_chart.py) mapped to
beancount's roots, each component matching `[A-Z0-9][A-Za-z0-9-]*`. Categories are free text,
so :func:`category_component` makes each one a valid, distinct and stable component.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date

from services.ledger.domain.accounts_chart import (
    DISPUTES,
    EXPENSES_PREFIX,
    FUNDS,
    PLEDGES,
    REFUNDS,
    fee_account,
)
from services.ledger.exports.entries import PUBLIC, Audience, DateRange, ExportEntry, decimal_text

#: The date of the `commodity` and `open` directives: the earliest date the ledger accepts, so
#: no entry (an expense may be dated before the campaign) ever precedes its account's opening.
OPENING = date(1970, 1, 1)

FIXED_ACCOUNTS = {FUNDS: "Assets:Funds", PLEDGES: "Income:Pledges", REFUNDS: "Income:Refunds"}
#: Accounts opened only when the journal posts to them (older exports keep their preamble).
PROVIDER_ACCOUNTS = {
    fee_account("processing"): "Expenses:Fees:Processing",
    fee_account("platform"): "Expenses:Fees:Platform",
    DISPUTES: "Income:Disputes",
}

#: A category already in this form (lower-case ASCII words joined by single hyphens) maps to
#: its capitalised words alone; every other category gets a hash suffix after `--`, which
#: no category of this form can produce, so no two categories share an account.
_PLAIN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_TO_ESCAPE = re.compile(r'[\\"\n\r\t]')


def category_component(category: str) -> str:
    """One account component for an expense category, a function of the category alone (so it
    is the same in every export): `printing` -> `Printing`, `box-art` -> `Box-Art`, and
    otherwise readable ASCII words plus `--` and 8 hex digits of the category's SHA-256:
    `Café & bar` -> `Cafe-Bar--<hash>`, `Art` -> `Art--<hash>` (not `art`'s `Art`)."""
    if _PLAIN.fullmatch(category):
        return "-".join(word[0].upper() + word[1:] for word in category.split("-"))
    ascii_text = unicodedata.normalize("NFKD", category).encode("ascii", "ignore").decode()
    words = [word for word in _NOT_ALNUM.split(ascii_text) if word]
    readable = "-".join(word[0].upper() + word[1:] for word in words) or "Category"
    digest = hashlib.sha256(category.encode()).hexdigest()[:8]
    return f"{readable}--{digest}"


def account_name(account: str) -> str:
    """The beancount account of a ledger account (`assets:funds` -> `Assets:Funds`,
    `expenses:<category>` -> `Expenses:<category_component>`)."""
    fixed = FIXED_ACCOUNTS.get(account) or PROVIDER_ACCOUNTS.get(account)
    if fixed is not None:
        return fixed
    if account.startswith(EXPENSES_PREFIX):
        return "Expenses:" + category_component(account[len(EXPENSES_PREFIX) :])
    raise ValueError(f"no beancount account for the ledger account {account!r}")


_PROVIDER_HEADS = {
    "fee": "Fee ({entry.category}) on pledge {entry.pledge_id}",
    "dispute": "Dispute ({entry.memo}) on pledge {entry.pledge_id}",
    "dispute_reversal": "Dispute won on pledge {entry.pledge_id}",
}


def quote(text: str) -> str:
    """A beancount string literal: double quotes, with `\\`, `"` and line breaks escaped."""
    return '"' + _TO_ESCAPE.sub(lambda match: _ESCAPES[match.group()], text) + '"'


def preamble(
    *,
    title: str,
    currency: str,
    accounts: Iterable[str],
    campaign_id: object,
    tree_size: int,
    root_hash: str,
) -> str:
    """Options, the commodity and an `open` per account (`accounts` are the ledger's names)."""
    lines = [
        f"; Fundtrail ledger export of campaign {campaign_id}",
        f"; Entries of the signed checkpoint of tree size {tree_size}, root hash {root_hash}",
        f"option {quote('title')} {quote(title)}",
        f"option {quote('operating_currency')} {quote(currency)}",
        "",
        f"{OPENING} commodity {currency}",
    ]
    names = sorted({account_name(account) for account in {*FIXED_ACCOUNTS, *accounts}})
    lines += [f"{OPENING} open {name} {currency}" for name in names]
    return "\n".join(lines) + "\n\n"


def transaction(entry: ExportEntry, exponent: int, audience: Audience = PUBLIC) -> str:
    """One entry as a transaction: its postings, and its log fields as metadata."""
    if entry.kind == "expense":
        head = f"{quote(entry.vendor or '')} {quote(entry.memo or '')}"
    elif entry.kind == "reversal":
        head = quote(entry.memo or f"Reversal of entry {entry.reverses_seq}")
    elif entry.kind in _PROVIDER_HEADS:
        head = quote(_PROVIDER_HEADS[entry.kind].format(entry=entry))
    else:
        head = quote(f"{entry.kind.capitalize()} of pledge {entry.pledge_id}")
    lines = [f"{entry.day.isoformat()} * {head}", f"  seq: {entry.seq}"]
    metadata: list[tuple[str, str | None]] = [
        ("kind", entry.kind),
        ("category", entry.category),
        ("occurred_at", entry.occurred_at),
        ("recorded_at", entry.recorded_at),
        ("pledge_id", entry.pledge_id),
        ("receipt_sha256", entry.receipt_sha256),
        ("receipt_reuse_reason", entry.receipt_reuse_reason),
        ("provider_reference", entry.provider_reference),
        ("provider_event_id", entry.provider_event_id),
        ("leaf_hash", entry.leaf_hash.hex()),
    ]
    if audience.backers and entry.backer_id is not None:
        metadata.append(("backer_id", str(entry.backer_id)))
    metadata.append(("receipt_url", audience.receipt_url(entry.receipt_sha256)))
    lines += [f"  {key}: {quote(value)}" for key, value in metadata if value is not None]
    if entry.reverses_seq is not None:
        lines.append(f"  reverses_seq: {entry.reverses_seq}")
    lines += [
        f"  {account_name(account)}  {decimal_text(amount, exponent)} {entry.currency}"
        for account, amount in entry.postings
    ]
    return "\n".join(lines) + "\n\n"


def beancount_export(
    entries: Iterable[ExportEntry],
    exponent: int,
    preamble_text: str,
    dates: DateRange | None = None,
    audience: Audience = PUBLIC,
    chunk_entries: int = 256,
) -> Iterator[str]:
    """The journal in chunks of text: the preamble, then one transaction per entry dated within
    `dates`, in seq order."""
    dates = dates or DateRange()
    chunk = [preamble_text]
    for entry in entries:
        if entry.day not in dates:
            continue
        chunk.append(transaction(entry, exponent, audience))
        if len(chunk) >= chunk_entries:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk)
