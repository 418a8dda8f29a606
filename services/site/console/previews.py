"""The Markdown preview the update forms share (new update, edited update)."""

from __future__ import annotations

import flask
from flask_babel import gettext as _

from services.site import context
from services.site.forms import FormState, send


def wants_preview() -> bool:
    """The form was sent with its "Preview" button rather than the one that publishes."""
    return flask.request.form.get("action") == "preview"


def preview(form: FormState, token: str) -> str | None:
    """The typed body as the updates service would publish it, or None with its refusal next to
    the body. The service renders and sanitises it: the site never turns Markdown into HTML."""
    shown = send(
        form,
        lambda: context.services().updates.preview(form.values["body"], token=token),
        fields={"body"},
        fallback=_("It could not be previewed."),
        error_pages={401},
    )
    return None if shown is None else str(shown.get("body_html", ""))


def insert_picture(form: FormState, campaign_id: object, token: str) -> bool:
    """Upload the picture chosen in the form's `image` field and add it to the end of the body
    as Markdown, `![what it shows](its address)`; False, with the reason next to the field,
    when there is none or the updates service refused it. Nothing is published."""
    upload = flask.request.files.get("image")
    if upload is None or not upload.filename:
        form.add("image", _("Choose the picture to insert (JPEG, PNG or WebP)."))
        return False
    picture = (upload.filename, upload.stream, upload.mimetype or "image/jpeg")
    made = send(
        form,
        lambda: context.services().updates.upload_image(campaign_id, picture, token=token),
        fields={"image"},
        fallback=_("The picture could not be used."),
        error_pages={401, 403, 404},
    )
    if made is None:
        form.errors["image"] = [m[:1].upper() + m[1:] for m in form.errors.get("image", [])]
        return False
    # Square brackets would end the description early: they are left out of it.
    words = " ".join(form.values.get("image_alt", "").replace("[", " ").replace("]", " ").split())
    body = form.values.get("body", "").rstrip()
    form.values["body"] = f"{body}\n\n![{words}]({made['url']})\n".lstrip()
    form.values["image_alt"] = ""
    return True
