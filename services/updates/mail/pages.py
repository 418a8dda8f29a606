"""The unsubscribe page: RFC 8058 one-click POST, and a GET that only shows a button.

No login and no cookie: the signed token in the path is the whole authority, so a mail client
can POST it (`List-Unsubscribe=One-Click`, any body) on the reader's behalf. A GET never
unsubscribes: link scanners and previews fetch every link in a message.
"""

from __future__ import annotations

import html

import flask

from services.updates.bootstrap import current_dependencies
from services.updates.mail import handlers
from shared.errors import NotFound
from shared.web.headers import FORM_PAGE_POLICY

pages = flask.Blueprint("updates_mail_pages", __name__)

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""


def _page(title: str, body: str) -> flask.Response:
    response = flask.make_response(_PAGE.format(title=html.escape(title), body=body))
    response.mimetype = "text/html"
    # The token is the authority: keep it out of caches, Referer headers and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    # Its one form posts back here; nothing else may load, run or frame it.
    response.headers["Content-Security-Policy"] = FORM_PAGE_POLICY
    return response


def _campaign_title(campaign_id: object) -> str:
    with current_dependencies().uow_factory() as uow:
        campaign = uow.campaigns.get(campaign_id)  # type: ignore[arg-type]
    return str(campaign["title"]) if campaign else "this campaign"


@pages.get("/unsubscribe/<token>")
def confirm(token: str) -> flask.Response:
    unsubscription = current_dependencies().unsubscribe_tokens.check(token)
    if unsubscription is None:
        raise NotFound("This unsubscribe link is not valid: it may have been cut or changed.")
    title = html.escape(_campaign_title(unsubscription.campaign_id))
    return _page(
        "Stop e-mails about a campaign",
        f"<p>Stop e-mails about updates of <strong>{title}</strong>?</p>"
        '<form method="post"><button type="submit">Unsubscribe</button></form>',
    )


@pages.post("/unsubscribe/<token>")
def unsubscribe(token: str) -> flask.Response:
    dependencies = current_dependencies()
    done = handlers.unsubscribe(
        token, dependencies.uow_factory(), dependencies.unsubscribe_tokens, dependencies.clock
    )
    title = html.escape(_campaign_title(done.campaign_id))
    return _page(
        "Unsubscribed",
        f"<p>You will get no more e-mails about <strong>{title}</strong>.</p>",
    )
