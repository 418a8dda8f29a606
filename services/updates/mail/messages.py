"""One reader's e-mail about one update: multipart text and HTML, with one-click unsubscribe."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from html.parser import HTMLParser

from services.updates.words import words as reader_words
from shared.languages import DEFAULT_LANGUAGE
from shared.wording import Words


@dataclass(frozen=True, kw_only=True)
class Notification:
    """Everything one message says, to whom."""

    update_id: uuid.UUID
    account_id: uuid.UUID
    campaign_id: uuid.UUID
    to: str
    campaign_title: str
    title: str
    #: Sanitised by the updates service before it was published (nh3 allow-list).
    body_html: str
    #: The update on the web.
    url: str
    #: The RFC 8058 one-click link: a POST to it unsubscribes `account_id` from the campaign.
    unsubscribe_url: str
    #: No money moves for the campaign (no payment provider): the message says so.
    test_mode: bool = True
    #: The reader's language: the frame around the update (links, footer) is written in it;
    #: the update itself is in its author's words.
    language: str = DEFAULT_LANGUAGE


#: The line every message carries while no money moves (docs/payments.md, "Test mode").
TEST_MODE_LINE = "Test mode: pledges are recorded, no money moves."


def test_mode_notice(words: Words) -> str:
    """TEST_MODE_LINE in the reader's language."""
    return words.gettext("Test mode: pledges are recorded, no money moves.")


def compose(notification: Notification, mail_from: str, sent_at: datetime) -> EmailMessage:
    """The message: plain text first, then the HTML (clients show the last part they can)."""
    n = notification
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = n.to
    message["Subject"] = _one_line(f"[{n.campaign_title}] {n.title}")
    message["Date"] = format_datetime(sent_at)
    # The same id for every try of one (update, reader): a resend after a crash is a duplicate
    # that mail clients recognise, not a second message.
    host = domain(mail_from)
    message["Message-ID"] = f"<{n.update_id}.{n.account_id}@{host}>"
    message["List-Id"] = f"<{n.campaign_id}.updates.{host}>"
    message["List-Unsubscribe"] = f"<{n.unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # Tells auto-responders and vacation replies to stay quiet (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text_body(n, html_to_text(n.body_html)))
    message.add_alternative(html_body(n), subtype="html")
    return message


def text_body(n: Notification, body_text: str) -> str:
    """The plain-text part; `body_text` is `html_to_text(n.body_html)` (the same for every
    reader of an update, so a batch makes it once)."""
    words = reader_words(n.language)
    _ = words.gettext
    return (
        (f"{test_mode_notice(words)}\n\n" if n.test_mode else "")
        + f"{n.title}\n{'=' * min(len(n.title), 72)}\n\n"
        f"{body_text}\n\n"
        + _("Read it online: %(url)s", url=n.url)
        + "\n\n-- \n"
        + _("You get this because you back %(campaign)s on Fundtrail.", campaign=n.campaign_title)
        + "\n"
        + _("Stop e-mails about this campaign: %(url)s", url=n.unsubscribe_url)
        + "\n"
    )


def html_body(n: Notification) -> str:
    # Only the body is HTML (already sanitised); every other value is escaped here.
    words = reader_words(n.language)
    _ = words.gettext
    title, campaign = html.escape(n.title), html.escape(n.campaign_title)
    url, unsubscribe = html.escape(n.url), html.escape(n.unsubscribe_url)
    test_mode = html.escape(test_mode_notice(words))
    backing = html.escape(
        _("You get this because you back %(campaign)s on Fundtrail.", campaign=n.campaign_title)
    )
    read_online = html.escape(_("Read it online"))
    stop = html.escape(_("Stop e-mails about this campaign"))
    return (
        f'<!DOCTYPE html>\n<html lang="{words.language}"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body>\n"
        + (f"<p><strong>{test_mode}</strong></p>\n" if n.test_mode else "")
        + f"<p>{campaign}</p>\n<h1>{title}</h1>\n{n.body_html}\n"
        f'<p><a href="{url}">{read_online}</a></p>\n'
        f"<hr><p>{backing} "
        f'<a href="{unsubscribe}">{stop}</a>.</p>\n'
        "</body></html>\n"
    )


def _one_line(text: str) -> str:
    """A header value on one line: a line break in a title must not start a header of its own."""
    return re.sub(r"\s+", " ", text).strip()


def domain(mail_from: str) -> str:
    address = parseaddr(mail_from)[1]
    domain = Address(addr_spec=address).domain if "@" in address else ""
    return domain or "fundtrail.local"


# --- HTML to text ------------------------------------------------------------------------------

_BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "blockquote", "hr"}


class _TextExtractor(HTMLParser):
    """Plain text of sanitised HTML: paragraphs on their own lines, list items bulleted, each
    link's address after its text (a reader of the text part must see where it goes)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._links: list[str | None] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self._pre += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "a":
            self._links.append(dict(attrs).get("href"))
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        elif tag == "a" and self._links:
            href = self._links.pop()
            if href and href.startswith(("http://", "https://", "mailto:")):
                self.parts.append(f" <{href}>")

    def handle_data(self, data: str) -> None:
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
            if not self.parts or self.parts[-1].endswith("\n"):
                data = data.lstrip()  # the source's indentation between tags is not text
        if data:
            self.parts.append(data)


def html_to_text(body_html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(body_html)
    extractor.close()
    text = "".join(extractor.parts)
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
