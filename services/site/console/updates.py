"""The creator console's updates: the campaign's updates, editing one (with a preview), its
revisions, and retracting it, over the updates API with the creator's token."""

from __future__ import annotations

import uuid
from typing import Any

import flask
from flask_babel import gettext as _
from flask_babel import ngettext

from services.site import context
from services.site.access import NotYourCampaign, creators_campaign, signed_in
from services.site.confirming import Confirmation, confirmation_page, confirmed
from services.site.console.previews import preview, wants_preview
from services.site.display import when
from services.site.forms import FormState, read_form, send
from services.site.limits import published

console_updates = flask.Blueprint("console_updates", __name__)

_EDIT_FIELDS = {"title", "body"}


@console_updates.url_value_preprocessor
def _allow_long_bodies(endpoint: str | None, values: dict[str, Any] | None) -> None:
    # Before the CSRF check reads the form: a full-length body must fit, as on "New update".
    if endpoint == "console_updates.edit_update":
        flask.request.max_content_length = published().update_form_max()


def changeable(update: dict[str, Any]) -> bool:
    """What the updates API lets a creator edit or retract: their own, still standing updates
    (automatic ones record what happened; a retraction is for good)."""
    return update.get("kind") == "manual" and not update.get("retracted")


def _own_update(
    update_id: uuid.UUID, *, back_to: str | None = None
) -> tuple[context.Visitor, dict[str, Any], dict[str, Any]]:
    """The signed-in creator, their campaign and its update; 403 for anyone else."""
    visitor = signed_in(message=_("Sign in as the campaign's creator to do that."), back_to=back_to)
    update = context.services().updates.update(update_id, token=visitor.token)
    if not update.get("campaign_id"):  # a backers-only update the visitor may not even read
        raise NotYourCampaign()
    visitor, campaign = creators_campaign(uuid.UUID(str(update["campaign_id"])))
    return visitor, campaign, update


def _not_changeable(update: dict[str, Any]) -> tuple[str, int]:
    why = (
        _("It was retracted, and a retraction is for good.")
        if update.get("retracted")
        else _("Automatic updates record what happened; they cannot be edited or retracted.")
    )
    page = flask.render_template(
        "error.html", title=_("This update cannot be changed"), message=why, status=409
    )
    return page, 409


def _list_page(
    campaign: dict[str, Any], failed: dict[str, Any] | None = None, status: int = 200
) -> tuple[str, int]:
    listed = context.services().updates.campaign_updates(campaign.get("id"), token=context.token())
    standing = {str(u.get("id")) for u in listed if changeable(u)}
    if failed is not None and failed["id"] not in standing:
        # No form of that update is on the page any more: its errors go above the list.
        form: FormState = failed["form"]
        form.errors = {"_form": [m for messages in form.errors.values() for m in messages]}
    page = flask.render_template(
        "console_updates.html", campaign=campaign, updates=listed, failed=failed, blank=FormState()
    )
    return page, status


@console_updates.get("/console/campaigns/<uuid:campaign_id>/updates")
def updates(campaign_id: uuid.UUID) -> Any:
    _visitor, campaign = creators_campaign(campaign_id)
    return _list_page(campaign)


@console_updates.route("/console/updates/<uuid:update_id>/edit", methods=["GET", "POST"])
def edit_update(update_id: uuid.UUID) -> Any:
    visitor, campaign, update = _own_update(update_id)
    if not changeable(update):
        return _not_changeable(update)
    if flask.request.method != "POST":
        form = FormState(values={"title": update["title"], "body": update["body"]})
        return flask.render_template(
            "update_edit.html", campaign=campaign, update=update, form=form
        )
    form = read_form(_EDIT_FIELDS)
    shown = None
    if wants_preview():
        shown = preview(form, visitor.token)
    else:
        saved = send(
            form,
            lambda: context.services().updates.edit(
                update_id,
                {"title": form.values["title"], "body": form.values["body"]},
                token=visitor.token,
            ),
            fields=_EDIT_FIELDS,
            fallback=_("It was not saved."),
        )
        if saved is not None:
            if saved.get("revision_count") == update.get("revision_count"):
                flask.flash(_("Nothing was changed, so no new revision was made."))
            else:
                flask.flash(
                    _(
                        "Your changes are saved as revision %(number)s.",
                        number=saved.get("revision_count"),
                    )
                )
            return flask.redirect(
                flask.url_for("console_updates.updates", campaign_id=campaign["id"])
            )
    page = flask.render_template(
        "update_edit.html", campaign=campaign, update=update, form=form, preview_html=shown
    )
    return page, 200 if form.ok else form.status


@console_updates.post("/console/updates/<uuid:update_id>/retract")
def retract_update(update_id: uuid.UUID) -> Any:
    # Its form is on the campaign's updates page, but which campaign is known only once the
    # update is read with a creator's token: the console's home stands in before signing in.
    visitor, campaign, update = _own_update(update_id, back_to=flask.url_for("console.home"))
    form = read_form({"reason"})
    if not form.values["reason"].strip():
        form.add("reason", _("Give the reason: backers read it in the update's place."))
        return _list_page(campaign, {"id": str(update_id), "form": form}, 422)
    # An update already retracted, or automatic, has nothing to confirm: the service refuses it
    # and says why, next to the list.
    if changeable(update) and not confirmed():
        return confirmation_page(_retraction(campaign, update, form)), 200
    retracted = send(
        form,
        lambda: context.services().updates.retract(
            update_id, form.values["reason"], token=visitor.token
        ),
        fields={"reason"},
        fallback=_("It was not retracted."),
    )
    if retracted is None:
        # 409: automatic, or retracted already; anything else is the reason's fault.
        return _list_page(campaign, {"id": str(update_id), "form": form}, form.status)
    flask.flash(_("The update is retracted: a notice with your reason stands in its place."))
    return flask.redirect(flask.url_for("console_updates.updates", campaign_id=campaign["id"]))


def _retraction(campaign: dict[str, Any], update: dict[str, Any], form: FormState) -> Confirmation:
    """The notice that will stand in the update's place, who had it by e-mail, and that it is
    for good."""
    backers = int(campaign.get("backers_count") or 0)
    reason = form.values["reason"].strip()
    return Confirmation(
        title=_("Retract “%(title)s”?", title=update.get("title")),
        consequences=[
            _(
                "“%(title)s”, published %(when)s, is replaced for everyone by a notice that it "
                "was retracted, with your reason: “%(reason)s”.",
                title=update.get("title"),
                when=when(update.get("published_at")),
                reason=reason,
            ),
            ngettext(
                "It was e-mailed to the campaign's backer when it was published: that e-mail "
                "cannot be called back, and opened online it shows the notice.",
                "It was e-mailed to the campaign's backers (%(num)d now) when it was "
                "published: those e-mails cannot be called back, and opened online it shows "
                "the notice.",
                backers,
            )
            if backers
            else _("The campaign has no backers yet, so nobody had it by e-mail."),
            _(
                "This can never be undone: a retracted update cannot be restored, edited or "
                "commented on."
            ),
        ],
        action=flask.url_for("console_updates.retract_update", update_id=update.get("id")),
        button=_("Retract the update for good"),
        back=flask.url_for("console_updates.updates", campaign_id=campaign["id"]),
        back_label=_("No, keep the update"),
        fields={"reason": form.values["reason"]},
    )


@console_updates.get("/console/updates/<uuid:update_id>/revisions")
def update_revisions(update_id: uuid.UUID) -> Any:
    visitor, campaign, update = _own_update(update_id)
    revisions = context.services().updates.revisions(update_id, token=visitor.token)
    return flask.render_template(
        "update_revisions.html", campaign=campaign, update=update, revisions=revisions
    )
