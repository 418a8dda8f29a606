"""The unsubscribe page: RFC 8058 one-click POST, and a GET that only shows a button.

Each link stops one kind of mail about one campaign (update mail, a creator's new-pledge or
question notices), and the page says which, in the language the account's mail is written in.

No login and no cookie: the signed token in the path is the whole authority, so a mail client
can POST it (`List-Unsubscribe=One-Click`, any body) on the reader's behalf. A GET never
unsubscribes: link scanners and previews fetch every link in a message.
"""

from __future__ import annotations

import base64
import hashlib
import html

import flask
from markupsafe import Markup, escape

from services.updates.bootstrap import current_dependencies
from services.updates.mail import handlers
from services.updates.mail.tokens import NEW_PLEDGES, QUESTIONS, UPDATES, Unsubscription
from services.updates.words import words
from shared.errors import NotFound
from shared.i18n import gettext_noop as N_
from shared.web.headers import FORM_PAGE_POLICY, policy
from shared.wording import Words

pages = flask.Blueprint("updates_mail_pages", __name__)

#: Readable on a phone and a laptop: a measure for the text, a button a thumb can hit.
_STYLE = (
    "body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem}"
    "main{max-width:36rem;margin:0 auto}h1{font-size:1.5rem}"
    "strong{overflow-wrap:anywhere}"
    "button{font:inherit;min-height:44px;padding:.5rem 1.25rem;cursor:pointer}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
#: The form page's policy, and only this one inline style sheet (by its hash) besides.
_POLICY = policy(FORM_PAGE_POLICY, f"style-src 'sha256-{_STYLE_HASH}'")

_PAGE = """<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{style}</style></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""

#: What the GET asks and what the POST answers, by kind of mail (`%(title)s`: the campaign).
_ASK = {
    UPDATES: N_("Stop e-mails about updates of %(title)s?"),
    NEW_PLEDGES: N_("Stop e-mails about new pledges to %(title)s?"),
    QUESTIONS: N_("Stop e-mails about new questions on %(title)s?"),
}
_DONE = {
    UPDATES: N_("You will get no more e-mails about %(title)s."),
    NEW_PLEDGES: N_("You will get no more e-mails about new pledges to %(title)s."),
    QUESTIONS: N_("You will get no more e-mails about new questions on %(title)s."),
}
#: What a creator keeps getting after stopping one kind of notice.
_KEPT = {
    NEW_PLEDGES: N_("Mail about questions from your backers still comes."),
    QUESTIONS: N_("Mail about new pledges still comes."),
}


def _page(words: Words, title: str, body: str) -> flask.Response:
    page = _PAGE.format(language=words.language, title=html.escape(title), body=body, style=_STYLE)
    response = flask.make_response(page)
    response.mimetype = "text/html"
    # The token is the authority: keep it out of caches, Referer headers and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    # Its one form posts back here; nothing else may load, run or frame it.
    response.headers["Content-Security-Policy"] = _POLICY
    return response


def _reader(unsubscription: Unsubscription) -> tuple[Words, str]:
    """The account's words and the campaign's title (escaped, in bold)."""
    with current_dependencies().uow_factory() as uow:
        campaign = uow.campaigns.get(unsubscription.campaign_id)
        reader = words(uow.mail_addresses.language(unsubscription.account_id))
    title = campaign["title"] if campaign else reader.gettext("this campaign")
    return reader, str(Markup("<strong>%s</strong>") % title)


def _sentence(words: Words, message: str, title: str) -> str:
    """`message` translated, escaped, with the campaign's (already escaped) title in it."""
    return str(escape(words.gettext(message)) % {"title": Markup(title)})


def _paragraphs(unsubscription: Unsubscription, sentences: dict[str, str]) -> tuple[Words, str]:
    """The reader's words, and what the page says to them about this link's kind of mail."""
    words, title = _reader(unsubscription)
    text = f"<p>{_sentence(words, sentences[unsubscription.kind], title)}</p>"
    if unsubscription.kind in _KEPT:
        text += f"<p>{escape(words.gettext(_KEPT[unsubscription.kind]))}</p>"
    return words, text


def _checked(token: str) -> Unsubscription:
    unsubscription = current_dependencies().unsubscribe_tokens.check(token)
    if unsubscription is None:
        raise NotFound("This unsubscribe link is not valid: it may have been cut or changed.")
    return unsubscription


@pages.get("/unsubscribe/<token>")
def confirm(token: str) -> flask.Response:
    reader, body = _paragraphs(_checked(token), _ASK)
    button = escape(reader.gettext("Unsubscribe"))
    return _page(
        reader,
        reader.gettext("Stop e-mails about a campaign"),
        f'{body}<form method="post"><button type="submit">{button}</button></form>',
    )


@pages.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> flask.Response:
    dependencies = current_dependencies()
    done = handlers.unsubscribe(
        token, dependencies.uow_factory(), dependencies.unsubscribe_tokens, dependencies.clock
    )
    reader, body = _paragraphs(done, _DONE)
    return _page(reader, reader.gettext("Unsubscribed"), body)
