"""Second thoughts before what cannot be taken back: a page saying what will happen, in plain
words with the real figures, whose form alone carries the confirmation the action asks for.

Without JavaScript: the first click (a link, or a form with what was typed) shows the page; its
button posts to the action again with `confirm=yes`, through the site's usual CSRF check. An
action that receives no confirmation writes nothing and shows (or sends to) this page."""

from __future__ import annotations

from dataclasses import dataclass, field

import flask

#: The hidden field that only the confirmation page's form carries.
CONFIRM_FIELD = "confirm"
_CONFIRMED = "yes"


def confirmed() -> bool:
    """Whether this request comes from the confirmation page's button."""
    return flask.request.form.get(CONFIRM_FIELD) == _CONFIRMED


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page says and where its buttons go."""

    #: The question, as the page's heading: "Cancel “Bee hives”?"
    title: str
    #: What will happen, a sentence each, figures included.
    consequences: list[str]
    #: Where the confirming form posts.
    action: str
    #: The danger button's words, saying the act ("Refund €45.00").
    button: str
    #: Where "no" goes back to, and its words.
    back: str
    back_label: str
    #: Hidden fields sent again with the confirmation (what was typed before).
    fields: dict[str, str] = field(default_factory=dict)


def confirmation_page(confirmation: Confirmation) -> str:
    return flask.render_template(
        "confirm.html", confirmation=confirmation, confirm_field=CONFIRM_FIELD, yes=_CONFIRMED
    )
