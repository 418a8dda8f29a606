"""The automatic updates: milestones announced in plain language with their figures.

Each has a natural key, so however often the event behind it is redelivered or replayed, a
campaign gets it once: `launched`, `goal_reached`, `settled` (succeeded or failed: a campaign
settles once), `cancelled` (a campaign ends once: settled or cancelled) and
`report:<report id>`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.money import format_amount

FUNDING_MODELS = {
    "all_or_nothing": "all or nothing: pledges are collected only if the goal is reached",
    "flexible": "flexible funding: pledges are collected whether or not the goal is reached",
}


@dataclass(frozen=True)
class Announcement:
    key: str
    title: str
    #: Markdown, rendered and sanitised like any update's body.
    body: str


def _money(amount: int, currency: str) -> str:
    return format_amount(amount, currency)


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def launched(
    title: str, goal_amount: int, currency: str, deadline: datetime, funding_model: str
) -> Announcement:
    model = FUNDING_MODELS.get(funding_model, funding_model)
    return Announcement(
        "launched",
        "The campaign is live",
        f"{_escape(title)} is now open for pledges. It aims to raise "
        f"{_money(goal_amount, currency)} by {_day(deadline)} (UTC), {model}.",
    )


def goal_reached(pledged: int, goal_amount: int, currency: str, backers: int) -> Announcement:
    return Announcement(
        "goal_reached",
        "Goal reached",
        f"Backers have pledged {_money(pledged, currency)}, reaching the goal of "
        f"{_money(goal_amount, currency)}: {_backers(backers)} so far.",
    )


def succeeded(pledged: int, goal_amount: int, currency: str, backers: int) -> Announcement:
    return Announcement(
        "settled",
        "The campaign succeeded",
        f"The campaign closed with {_money(pledged, currency)} pledged by {_backers(backers)} "
        f"against a goal of {_money(goal_amount, currency)}. The pledges are being collected; "
        "every contribution and expense will appear in the campaign's public ledger.",
    )


def failed(pledged: int, goal_amount: int, currency: str, backers: int) -> Announcement:
    return Announcement(
        "settled",
        "The campaign did not reach its goal",
        f"The campaign closed with {_money(pledged, currency)} pledged by {_backers(backers)} "
        f"against a goal of {_money(goal_amount, currency)}. The pledges are being released: "
        "no backer is charged.",
    )


def cancelled(released_count: int) -> Announcement:
    released = (
        "No pledge was open."
        if released_count == 0
        else f"{_count(released_count, 'pledge')} {'was' if released_count == 1 else 'were'} "
        "released: no backer is charged."
    )
    return Announcement(
        "cancelled",
        "The campaign was cancelled",
        f"The creator cancelled the campaign before its deadline. {released}",
    )


@dataclass(frozen=True)
class ReportFigures:
    report_id: uuid.UUID
    url: str
    currency: str
    raised: int
    refunded: int
    spent: int
    available: int
    shortfall: int
    tree_size: int
    root_hash: str


def report_published(report: ReportFigures) -> Announcement:
    money = {
        name: _money(getattr(report, name), report.currency)
        for name in ("raised", "refunded", "spent", "available", "shortfall")
    }
    shortfall = (
        f" Refunds exceeded the funds left by {money['shortfall']}." if report.shortfall else ""
    )
    return Announcement(
        f"report:{report.report_id}",
        "A spending report was published",
        f"[Read the spending report]({_destination(report.url)}).\n\n"
        f"So far {money['raised']} was raised, {money['refunded']} refunded and "
        f"{money['spent']} spent; {money['available']} is available.{shortfall}\n\n"
        f"The report is built from the ledger's signed checkpoint of {report.tree_size} "
        f"entries, with root hash `{report.root_hash}`: anyone can check it against the "
        "public log.",
    )


def _backers(count: int) -> str:
    return _count(count, "backer")


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _escape(text: str) -> str:
    """Text put into Markdown as text: a campaign title must not turn into a link or markup."""
    return "".join("\\" + char if char in "\\`*_{}[]()#+-.!<>|~&" else char for char in text)


def _destination(url: str) -> str:
    """A link destination in angle brackets: parentheses or spaces in it cannot end it early."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
