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
