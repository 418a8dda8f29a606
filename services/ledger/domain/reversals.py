"""Which entries count and which may be undone: the reversal rules, written once (pure).

Reversals undo the creator's own entries: expenses, and reversals of expenses. Money that
moved through pledge events (contributions and refunds) changes only through pledge events, so
reversing one is refused (:class:`NotReversible`), as is reversing a reversal of one that a
journal may hold from before this rule. Any entry is reversed at most once
(:class:`AlreadyReversed`). Reversing a reversal re-instates what it reversed; the original
stays marked as reversed, so reversing the original a second time is refused: to take it out
again, reverse the re-instatement, the latest link of its chain. As every link is reversed at
most once, a chain never forks, and an original counts exactly when its chain of reversals has
even length. A creator can thus undo a mistaken expense, or a mistaken reversal of one, and no
entry can be undone twice over.

The journal (:meth:`~.journal.Journal.check_reversible`) adds what depends on its state: the
entry is its own, and re-instating an expense needs the money to be there.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import accounts_chart as chart
from .entries import Entry, EntryKind
from .errors import AlreadyReversed, NotReversible


def in_force(reversed_by: Mapping[int, int], seq: int) -> bool:
    """Whether entry ``seq`` counts: its chain of reversals (``reversed_by``: seq → the seq of
    its reversal) has even length, so it was never reversed, or re-instated as often."""
    links = 0
    while seq in reversed_by:
        seq = reversed_by[seq]
        links += 1
    return links % 2 == 0


def undoes_an_expense(entry: Entry) -> bool:
    """Whether ``entry`` is an expense, or a reversal in an expense's chain (it moves no pledge
    money: a reversal copies the postings it undoes)."""
    if entry.kind is EntryKind.EXPENSE:
        return True
    return entry.kind is EntryKind.REVERSAL and not chart.moves_pledge_money(entry.postings)


def refuse_unreversible(original: Entry, reversed_by: Mapping[int, int]) -> None:
    """:class:`NotReversible` for pledge money, :class:`AlreadyReversed` for an entry reversed
    already; nothing for an expense, or a reversal of one, that is the latest of its chain."""
    seq = original.seq
    if not undoes_an_expense(original):
        kind = original.kind.value
        if original.kind is EntryKind.REVERSAL:
            kind = "reversal of a pledge entry"
        raise NotReversible(
            f"entry {seq} is a {kind}: money that moved through pledge events (or that the"
            " payment provider reported) changes only through pledge events (a refund, from the"
            " pledges service); only expenses and reversals of them can be reversed",
            "seq",
        )
    if seq in reversed_by:
        raise AlreadyReversed(
            f"entry {seq} was already reversed by entry {reversed_by[seq]}", "seq"
        )
