"""Sign-up, sign-in and sign-out: the pledges service checks the password, the site keeps the
token it hands back in an encrypted, HttpOnly session cookie (sessions.py)."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import urlsplit

import flask
from flask_babel import gettext as _

from services.site import context
from services.site.clients import ApiError, ServiceUnavailable
from services.site.forms import ACCOUNT_FIELD_MAX, FormState, read_form
from services.site.i18n import current_language

accounts = flask.Blueprint("accounts", __name__)

_SIGNUP_FIELDS = {"name", "email", "password", "role"}
_LOGIN_FIELDS = {"email", "password"}


#: In a path, a slash, backslash or control character written as `%XX`: a server or proxy that
#: decodes it could see `//host`; no page of this site has one in its address.
_ENCODED_SEPARATOR = re.compile(r"%(?:[01][0-9a-f]|7f|2f|5c)", re.IGNORECASE)


def safe_next(target: str) -> str | None:
    """`target` when it is a plain path on this site, else None.

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    `/<tab>/evil.example` or `/\\evil.example` would leave the site: only printable characters
    without spaces or backslashes, one leading slash, and no scheme or host once parsed.
    """
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(not ch.isprintable() or ch.isspace() for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or _ENCODED_SEPARATOR.search(parts.path):
        return None
    return target


def _next_path() -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    return safe_next(flask.request.values.get("next", "")) or flask.url_for("pages.home")


@accounts.route("/signup", methods=["GET", "POST"])
def signup() -> Any:
    if flask.request.method != "POST":  # GET, and HEAD (which Flask routes with GET)
        return flask.render_template("signup.html", form=FormState(values={"role": "backer"}))
    form = read_form(_SIGNUP_FIELDS, max_chars=ACCOUNT_FIELD_MAX)
    form.require(
        {
            "name": _("Enter your name."),
            "email": _("Enter your e-mail address."),
            "password": _("Choose a password of 15 to 128 characters."),
        }
    )
    if form.values["role"] not in ("backer", "creator"):
        form.add("role", _("Choose Backer or Creator."))
    body = {name: form.values[name] for name in ("name", "email", "password", "role")}
    # The account speaks the language its owner signed up in (mails, and pages once signed in).
    body["language"] = current_language()
    if form.ok:
        try:
            context.services().pledges.signup(body)
        except ApiError as exc:
            form.add_api_errors(exc.errors, _SIGNUP_FIELDS, exc.detail or _("Sign-up failed."))
    if not form.ok:
        form.values["password"] = ""  # never echoed back into the page
        return flask.render_template("signup.html", form=form), 422
    # Signing in starts a new session, so the welcome is flashed into that one, after it.
    signed_in = _start_session(form)
    flask.flash(_("Welcome! We sent you an e-mail: open its link to confirm your address."))
    return flask.redirect(flask.url_for("pages.home" if signed_in else "accounts.login"))


@accounts.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if flask.request.method != "POST":  # GET, and HEAD (which Flask routes with GET)
        return flask.render_template("login.html", form=FormState(), next=_next_path())
    form = read_form(_LOGIN_FIELDS, max_chars=ACCOUNT_FIELD_MAX)
    if _start_session(form):
        return flask.redirect(_next_path())
    form.values["password"] = ""
    status = 429 if "_rate" in form.errors else 422
    form.errors.pop("_rate", None)
    return flask.render_template("login.html", form=form, next=_next_path()), status


def _start_session(form: FormState) -> bool:
    """Exchange e-mail and password for a token; on refusal, say why in `form`."""
    pledges = context.services().pledges
    try:
        session = pledges.start_session(form.values["email"], form.values["password"])
        token = str(session["token"])
        me = session if "role" in session else pledges.me(token=token)
        if "language" not in me:
            me = {**me, **_saved_language(token)}
    except ApiError as exc:
        if exc.status == 401:
            form.add("_form", _("That e-mail and password do not match an account."))
        elif exc.status == 429:
            form.add("_rate", "")
            form.add("_form", _("Too many attempts. Please wait a few minutes and try again."))
        else:
            form.add_api_errors(exc.errors, _LOGIN_FIELDS, exc.detail or _("Sign-in failed."))
        return False
    except (KeyError, ValueError):
        form.add("_form", _("Sign-in failed. Please try again."))
        return False
    context.sign_in(token, me, form.values["email"], session.get("token_id"))
    return True


def _saved_language(token: str) -> dict[str, Any]:
    """The account's saved language, or nothing (an account service without languages)."""
    try:
        me = context.services().pledges.me(token=token)
    except (ApiError, ServiceUnavailable):
        return {}
    return {"language": me["language"]} if "language" in me else {}


@accounts.post("/logout")
def logout() -> Any:
    visitor = context.visitor()
    if visitor is not None and visitor.token_id:
        # Revoked at the pledges service, so a copied cookie stops working too; signing out
        # still clears the session when that fails.
        with contextlib.suppress(ApiError, ServiceUnavailable):
            context.services().pledges.revoke_token(
                visitor.token_id, "Signed out on the site", token=visitor.token
            )
    context.sign_out()
    flask.flash(_("You are signed out."))
    return flask.redirect(flask.url_for("pages.home"))
