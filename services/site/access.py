"""Who may use a route: the signed-in visitor, with the right role, or the campaign's creator.

Routes call these and go on with the visitor; a refusal is raised, never returned. Nobody signed
in is SignInRequired, which the app turns into a redirect to the sign-in page and back (see
app.py); a signed-in visitor without the right is 403 (Forbidden).
"""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from services.site import context
from shared.i18n import gettext_noop as N_


class SignInRequired(Exception):
    """Nobody is signed in: say `message`, and after signing in go to `back_to` (a path on this
    site; None for the home page)."""

    def __init__(self, message: str, back_to: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.back_to = back_to


class WrongRole(Forbidden):
    description = N_("This page is for another kind of account.")


class NotYourCampaign(Forbidden):
    description = N_("Only the campaign's creator can do that.")


def this_page() -> str | None:
    """The address asked for when it is a page, else None. After signing in the browser follows
    `next` with a GET, so a POST-only address (a form's action) would answer 405: a route that
    takes only POSTs names the page its form is on instead."""
    rule = flask.request.url_rule
    if rule is not None and rule.methods is not None and "GET" in rule.methods:
        return flask.request.path
    return None


def signed_in(
    role: str | None = None,
    *,
    message: str = N_("Please sign in first."),
    back_to: str | None = None,
) -> context.Visitor:
    """The signed-in visitor, who must have `role` when one is named."""
    visitor = context.visitor()
    if visitor is None:
        raise SignInRequired(message, back_to or this_page())
    if role is not None and visitor.role != role:
        raise WrongRole(
            _("Only creators can open this page.")
            if role == "creator"
            else _("Only backers can open this page.")
        )
    return visitor


def creators_campaign(
    campaign_id: uuid.UUID,
    *,
    back_to: str | None = None,
    message: str = N_("Sign in as the campaign's creator to do that."),
    refusal: str | None = None,
) -> tuple[context.Visitor, dict[str, Any]]:
    """The signed-in creator and their campaign, read with their token: 403 (saying `refusal`
    when given) for anyone else (someone else's draft is a 404 already: the pledges service
    does not show it). A form sent from elsewhere comes back to the campaign's console page
    after signing in, unless `back_to` names its page."""
    visitor = signed_in(
        message=message,
        back_to=back_to
        or this_page()
        or flask.url_for("console_campaign.campaign", campaign_id=campaign_id),
    )
    campaign = context.services().pledges.campaign(campaign_id, token=visitor.token)
    if str(campaign.get("creator_id")) != visitor.account_id:
        raise NotYourCampaign(refusal)
    return visitor, campaign
