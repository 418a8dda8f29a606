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

from shared.wording import Words


@dataclass(frozen=True)
class Announcement:
    key: str
    title: str
    #: Markdown, rendered and sanitised like any update's body.
    body: str


def launched(
    words: Words,
    title: str,
    goal_amount: int,
    currency: str,
    deadline: datetime,
    funding_model: str,
) -> Announcement:
    _ = words.gettext
    if funding_model == "flexible":
        model = _("flexible funding: pledges are collected whether or not the goal is reached")
    else:
        model = _("all or nothing: pledges are collected only if the goal is reached")
    return Announcement(
        "launched",
        _("The campaign is live"),
        _(
            "%(title)s is now open for pledges. It aims to raise %(goal)s by %(deadline)s "
            "(UTC), %(model)s.",
            title=_escape(title),
            goal=words.money(goal_amount, currency),
            deadline=words.day(deadline),
            model=model,
        ),
    )


def goal_reached(
    words: Words, pledged: int, goal_amount: int, currency: str, backers: int
) -> Announcement:
    return Announcement(
        "goal_reached",
        words.gettext("Goal reached"),
        words.ngettext(
            "Backers have pledged %(pledged)s, reaching the goal of %(goal)s: %(num)d backer "
            "so far.",
            "Backers have pledged %(pledged)s, reaching the goal of %(goal)s: %(num)d backers "
            "so far.",
            backers,
            pledged=words.money(pledged, currency),
            goal=words.money(goal_amount, currency),
        ),
    )


def succeeded(
    words: Words, pledged: int, goal_amount: int, currency: str, backers: int
) -> Announcement:
    return Announcement(
        "settled",
        words.gettext("The campaign succeeded"),
        words.ngettext(
            "The campaign closed with %(pledged)s pledged by %(num)d backer against a goal of "
            "%(goal)s. The pledges are being collected; every contribution and expense will "
            "appear in the campaign's public ledger.",
            "The campaign closed with %(pledged)s pledged by %(num)d backers against a goal of "
            "%(goal)s. The pledges are being collected; every contribution and expense will "
            "appear in the campaign's public ledger.",
            backers,
            pledged=words.money(pledged, currency),
            goal=words.money(goal_amount, currency),
        ),
    )


def failed(
    words: Words, pledged: int, goal_amount: int, currency: str, backers: int
) -> Announcement:
    return Announcement(
        "settled",
        words.gettext("The campaign did not reach its goal"),
        words.ngettext(
            "The campaign closed with %(pledged)s pledged by %(num)d backer against a goal of "
            "%(goal)s. The pledges are being released: no backer is charged.",
            "The campaign closed with %(pledged)s pledged by %(num)d backers against a goal of "
            "%(goal)s. The pledges are being released: no backer is charged.",
            backers,
            pledged=words.money(pledged, currency),
            goal=words.money(goal_amount, currency),
        ),
    )


def cancelled(words: Words, released_count: int) -> Announcement:
    if released_count == 0:
        released = words.gettext("No pledge was open.")
    else:
        released = words.ngettext(
            "%(num)d pledge was released: no backer is charged.",
            "%(num)d pledges were released: no backer is charged.",
            released_count,
        )
    return Announcement(
        "cancelled",
        words.gettext("The campaign was cancelled"),
        words.gettext(
            "The creator cancelled the campaign before its deadline. %(released)s",
            released=released,
        ),
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


def report_published(words: Words, report: ReportFigures) -> Announcement:
    _ = words.gettext
    money = {
        name: words.money(getattr(report, name), report.currency)
        for name in ("raised", "refunded", "spent", "available", "shortfall")
    }
    shortfall = (
        " " + _("Refunds exceeded the funds left by %(shortfall)s.", shortfall=money["shortfall"])
        if report.shortfall
        else ""
    )
    return Announcement(
        f"report:{report.report_id}",
        _("A spending report was published"),
        "["
        + _("Read the spending report")
        + f"]({_destination(report.url)}).\n\n"
        + _(
            "So far %(raised)s was raised, %(refunded)s refunded and %(spent)s spent; "
            "%(available)s is available.",
            raised=money["raised"],
            refunded=money["refunded"],
            spent=money["spent"],
            available=money["available"],
        )
        + shortfall
        + "\n\n"
        + words.ngettext(
            "The report is built from the ledger's signed checkpoint of %(num)d entry, with "
            "root hash `%(root_hash)s`: anyone can check it against the public log.",
            "The report is built from the ledger's signed checkpoint of %(num)d entries, with "
            "root hash `%(root_hash)s`: anyone can check it against the public log.",
            report.tree_size,
            root_hash=report.root_hash,
        ),
    )


def _escape(text: str) -> str:
    """Text put into Markdown as text: a campaign title must not turn into a link or markup."""
    return "".join("\\" + char if char in "\\`*_{}[]()#+-.!<>|~&" else char for char in text)


def _destination(url: str) -> str:
    """A link destination in angle brackets: parentheses or spaces in it cannot end it early."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
