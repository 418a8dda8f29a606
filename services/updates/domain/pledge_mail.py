"""What people are told about pledges and questions: the words of the backer's own pledge mails
(made, changed, refunded), the creator's notices (new pledges, new questions) and the notice
that follows a retracted update, decided from the events' facts alone.

Amounts are written as everywhere else (`words.money`), never in minor units; a backer is never
named to the creator (the events carry only opaque ids, and the console shows who pledged).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from services.updates.domain.payment_mail import PaymentMessage
from shared.wording import Words

#: One message: its subject line and its plain text (the same shape as payment notices).
Message = PaymentMessage


@dataclass(frozen=True)
class PledgeFacts:
    """One pledge as a notice lists it."""

    amount: int
    currency: str
    tier_name: str | None
    pledged_at: datetime


def pledge_words(words: Words, amount: int, currency: str, tier_name: str | None) -> str:
    """`€45.00` or `€45.00, tier “Early bird”`."""
    money = words.money(amount, currency)
    if not tier_name:
        return money
    return words.gettext("%(amount)s, tier “%(tier)s”", amount=money, tier=one_line(tier_name))


def pledge_made(
    words: Words,
    campaign_title: str,
    amount: int,
    currency: str,
    tier_name: str | None,
    campaign_url: str,
) -> Message:
    """To the backer: what they pledged, and where to change it."""
    _ = words.gettext
    title = one_line(campaign_title)
    return Message(
        _("Your pledge to %(title)s", title=title),
        _(
            "Thank you! Your pledge of %(pledge)s to %(title)s is recorded.",
            pledge=pledge_words(words, amount, currency, tier_name),
            title=title,
        )
        + "\n\n"
        + _("While the campaign is live you can change or cancel it on the campaign's page:")
        + f"\n\n{campaign_url}\n",
    )


def pledge_changed(
    words: Words,
    campaign_title: str,
    amount: int,
    currency: str,
    tier_name: str | None,
    previous_amount: int,
    previous_tier_name: str | None,
    campaign_url: str,
) -> Message:
    """To the backer: what the pledge is now, and what it replaced (never added to)."""
    _ = words.gettext
    title = one_line(campaign_title)
    return Message(
        _("Your pledge to %(title)s was changed", title=title),
        _(
            "Your pledge to %(title)s is now %(pledge)s. It replaces your earlier pledge of "
            "%(previous)s: only the new one counts.",
            title=title,
            pledge=pledge_words(words, amount, currency, tier_name),
            previous=pledge_words(words, previous_amount, currency, previous_tier_name),
        )
        + "\n\n"
        + _("While the campaign is live you can change or cancel it on the campaign's page:")
        + f"\n\n{campaign_url}\n",
    )


def pledge_refunded(
    words: Words,
    campaign_title: str,
    amount: int,
    collected_amount: int,
    refunded_total: int,
    currency: str,
    reason: str,
    campaign_url: str,
) -> Message:
    """To the backer: how much came back, of how much, and the creator's reason."""
    _ = words.gettext
    title = one_line(campaign_title)
    money = {
        "amount": words.money(amount, currency),
        "collected": words.money(collected_amount, currency),
        "total": words.money(refunded_total, currency),
        "title": title,
    }
    if amount >= collected_amount:
        subject = _("Your pledge to %(title)s was refunded", **money)
        what = _("Your whole pledge of %(collected)s to %(title)s was refunded.", **money)
    else:
        subject = _("%(amount)s of your pledge to %(title)s was refunded", **money)
        what = _("%(amount)s of %(collected)s was refunded of your pledge to %(title)s.", **money)
        if refunded_total > amount:
            what += " " + _("In all, %(total)s of %(collected)s has been refunded.", **money)
    return Message(
        subject,
        what
        + "\n\n"
        + _("The creator's reason:")
        + f"\n\n{quoted(reason)}\n\n"
        + _("The campaign's public ledger shows the refund:")
        + f"\n\n{campaign_url}\n",
    )


def new_pledges(
    words: Words, campaign_title: str, pledges: Sequence[PledgeFacts], console_url: str
) -> Message:
    """To the creator: one new pledge, or the pledges gathered since the last such mail."""
    _ = words.gettext
    title = one_line(campaign_title)
    if len(pledges) == 1:
        (only,) = pledges
        pledge = pledge_words(words, only.amount, only.currency, only.tier_name)
        return Message(
            _(
                "New pledge to %(title)s: %(amount)s",
                title=title,
                amount=words.money(only.amount, only.currency),
            ),
            _("A backer pledged %(pledge)s to %(title)s.", pledge=pledge, title=title)
            + "\n\n"
            + _("Your console shows every pledge:")
            + f"\n\n{console_url}\n",
        )
    count = len(pledges)
    lines = "\n".join(
        f"- {pledge_words(words, p.amount, p.currency, p.tier_name)} "
        f"({words.utc_moment(p.pledged_at)})"
        for p in sorted(pledges, key=lambda p: p.pledged_at)
    )
    return Message(
        words.ngettext(
            "%(num)d new pledge to %(title)s",
            "%(num)d new pledges to %(title)s",
            count,
            title=title,
        ),
        words.ngettext(
            "%(num)d backer pledged to %(title)s since our last mail about new pledges:",
            "%(num)d backers pledged to %(title)s since our last mail about new pledges:",
            count,
            title=title,
        )
        + f"\n\n{lines}\n\n"
        + _(
            "So that a busy campaign does not fill your inbox, we mail the first new pledge of "
            "each hour at once and gather the rest of that hour's pledges into one mail."
        )
        + "\n\n"
        + _("Your console shows every pledge:")
        + f"\n\n{console_url}\n",
    )


def new_question(
    words: Words, campaign_title: str, update_title: str, question: str, update_url: str
) -> Message:
    """To the creator: a backer commented under one of their updates."""
    _ = words.gettext
    facts = {"title": one_line(campaign_title), "update": one_line(update_title)}
    return Message(
        _("New question on “%(update)s” (%(title)s)", **facts),
        _("A backer wrote under your update “%(update)s” of %(title)s:", **facts)
        + f"\n\n{quoted(question)}\n\n"
        + _("Answer it on the update's page:")
        + f"\n\n{update_url}\n",
    )


def update_retracted(
    words: Words, campaign_title: str, update_title: str, reason: str, update_url: str
) -> Message:
    """To each reader the update was mailed to: it was retracted, and why."""
    _ = words.gettext
    facts = {"title": one_line(campaign_title), "update": one_line(update_title)}
    return Message(
        _("Retracted: “%(update)s” (%(title)s)", **facts),
        _(
            "The creator of %(title)s retracted the update “%(update)s” that we e-mailed you. "
            "Please do not rely on what it said.",
            **facts,
        )
        + "\n\n"
        + _("Their reason:")
        + f"\n\n{quoted(reason)}\n\n"
        + _("The update's page now shows this retraction notice in its place:")
        + f"\n\n{update_url}\n",
    )


def quoted(text: str) -> str:
    """Someone else's words, set apart as a mail quote (`> ` before each line)."""
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {line}".rstrip() for line in lines)


def one_line(text: str) -> str:
    """A title on one line: in a subject, a line break must not start a header of its own."""
    return re.sub(r"\s+", " ", text).strip()
