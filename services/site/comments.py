"""Questions and answers under a campaign's updates: its backers and creator post comments, the
creator hides abusive ones with a reason. The updates API decides who may; the site says so."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from services.site import campaign_page, context
from services.site.access import creators_campaign
from services.site.campaign_page import Retry, signed_in
from services.site.forms import read_form, send

comments = flask.Blueprint("comments", __name__)

#: Longer than the updates service takes (it says what is too long); a bound on what is kept.
_TEXT_MAX = 20_000


def _check_update(campaign_id: uuid.UUID, update_id: uuid.UUID, token: str) -> None:
    """404 for an update of another campaign: the comment would land away from this page.
    An update this visitor may not read has no campaign to compare; the API refuses those."""
    update = context.services().updates.update(update_id, token=token)
    if "campaign_id" in update and str(update["campaign_id"]) != str(campaign_id):
        raise NotFound()


@comments.post("/campaigns/<uuid:campaign_id>/updates/<uuid:update_id>/comments")
def post_comment(campaign_id: uuid.UUID, update_id: uuid.UUID) -> Any:
    visitor = signed_in(campaign_id, _("Sign in to join the discussion."))
    form = read_form({"body"}, max_chars=_TEXT_MAX)
    if not form.values["body"].strip():
        form.add("body", _("Write your comment first."))
    if form.ok:
        _check_update(campaign_id, update_id, visitor.token)
        posted = send(
            form,
            lambda: context.services().updates.post_comment(
                update_id, form.values["body"], token=visitor.token
            ),
            fields={"body"},
            fallback=_("It was not posted."),
        )
        if posted is not None:
            flask.flash(_("Your comment is posted."))
            anchor = f"update-{update_id}"
            return flask.redirect(
                flask.url_for("pages.campaign", campaign_id=campaign_id, _anchor=anchor)
            )
        if form.status == 429:
            # The service's detail says how long to wait ("try again in 42 seconds"): said
            # next to the comment, which is kept for then.
            wait = " ".join(form.errors.pop("_form", []))
            form.add("body", f"{_('You are commenting too often.')} {wait}".strip())
    retry = Retry("comment", str(update_id), form)
    return campaign_page.render(campaign_id, retry=retry), form.status


@comments.post("/campaigns/<uuid:campaign_id>/comments/<uuid:comment_id>/hide")
def hide_comment(campaign_id: uuid.UUID, comment_id: uuid.UUID) -> Any:
    # The updates API refuses anyone else too; saying so first spares them a form error.
    visitor, campaign = creators_campaign(
        campaign_id,
        back_to=flask.url_for("pages.campaign", campaign_id=campaign_id),
        message=_("Sign in as the campaign's creator to hide a comment."),
        refusal=_("Only the campaign's creator can hide its comments."),
    )
    form = read_form({"reason"}, max_chars=_TEXT_MAX)
    if not form.values["reason"].strip():
        form.add("reason", _("Say why it is hidden: backers will read the reason."))
    if form.ok:
        hidden = send(
            form,
            lambda: context.services().updates.hide_comment(
                comment_id, form.values["reason"], token=visitor.token
            ),
            fields={"reason"},
            fallback=_("It was not hidden."),
        )
        if hidden is not None:
            flask.flash(_("The comment is hidden; its thread shows your reason instead."))
            return flask.redirect(
                flask.url_for(
                    "pages.campaign", campaign_id=campaign_id, _anchor=f"comment-{comment_id}"
                )
            )
    retry = Retry("hide", str(comment_id), form)
    return campaign_page.render(campaign_id, campaign=campaign, retry=retry), form.status
