"""Who is signed in and how to reach the services, for the site's request handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flask

from services.site.clients import Services
from services.site.settings import SiteSettings


@dataclass(frozen=True)
class Visitor:
    """The signed-in person, as the pledges service vouched for their token."""

    token: str
    account_id: str
    role: str
    email: str
    #: The token's id, to revoke it on sign-out (None for a token from elsewhere).
    token_id: str | None = None

    @property
    def is_backer(self) -> bool:
        return self.role == "backer"


#: The session's key for where the visitor came from, per campaign (referrals.py).
REFERRALS = "referrals"


def services() -> Services:
    found: Services = flask.current_app.extensions["site.services"]
    return found


def settings() -> SiteSettings:
    found: SiteSettings = flask.current_app.extensions["site.settings"]
    return found


def visitor() -> Visitor | None:
    session = flask.session
    token = session.get("token")
    if not isinstance(token, str) or not token:
        return None
    return Visitor(
        token=token,
        account_id=str(session.get("account_id", "")),
        role=str(session.get("role", "")),
        email=str(session.get("email", "")),
        token_id=session.get("token_id") or None,
    )


def token() -> str | None:
    found = visitor()
    return None if found is None else found.token


def sign_in(token: str, me: dict[str, Any], email: str, token_id: object = None) -> None:
    """Keep the token in the encrypted session cookie (sessions.py), with a new CSRF token (no
    fixation). Where the visitor came from survives signing in: people land from a share,
    then sign in to pledge; so does a language picked with `?lang=` (the account's own is read)."""
    referrals = flask.session.get(REFERRALS)
    picked = flask.session.get("language")
    flask.session.clear()
    if referrals:
        flask.session[REFERRALS] = referrals
    flask.session.permanent = True
    if picked:
        flask.session["language"] = picked
    if me.get("language"):
        flask.session["account_language"] = str(me["language"])
    flask.session.update(
        token=token,
        account_id=str(me.get("account_id")),
        role=str(me.get("role")),
        email=email,
        token_id=None if token_id is None else str(token_id),
    )


def sign_out() -> None:
    flask.session.clear()
