"""The pages behind the links mailed to people: confirm an e-mail address, reset a password;
and the console's button that mails a new confirmation link.

Opening a link (GET) only shows a form; the change happens on the POST, so a mail scanner that
follows links changes nothing. The pledges service checks the one-time token.

The token leaves the address at once: the link's GET keeps it in the (encrypted) session and
redirects to the same page without it, so it stays out of the browser's history, of the
`Referer` the page's own requests send, and of any log of addresses.
"""

from __future__ import annotations

from typing import Any

import flask
from flask_babel import gettext as _

from services.site import context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.forms import ACCOUNT_FIELD_MAX, FormState, read_form
from shared.i18n import gettext_noop as N_

account_links = flask.Blueprint("account_links", __name__)

#: What a person is told when the pledges service refuses a link (400 forged, 410 used/expired).
_LINK_REFUSED = N_("This link has expired or was already used. Ask for a new one.")
#: What a creator is told when no new confirmation link is sent, by the pledges service's status.
_NOT_RESENT = {
    404: N_("This account has no e-mail address to confirm."),
    409: N_("Your e-mail address is already confirmed: you can launch your campaigns."),
}


#: The most of a link token the site keeps or passes on (the pledges service's are far shorter).
_TOKEN_MAX = 2048


def _link_token(purpose: str) -> str:
    """The token kept when the link for `purpose` was opened in this browser; "" when none was
    (or it was used already). Forms never carry it."""
    return str(flask.session.get(f"link_token.{purpose}", ""))


def _keep_link_token(purpose: str) -> Any | None:
    """When the address carries a token, keep it in the session and answer with a redirect to
    the same page without it; else None."""
    token = flask.request.args.get("token", "")[:_TOKEN_MAX]
    if not token:
        return None
    flask.session[f"link_token.{purpose}"] = token
    return flask.redirect(flask.request.path, 303)


def _spend_link_token(purpose: str) -> None:
    flask.session.pop(f"link_token.{purpose}", None)


@account_links.route("/verify", methods=["GET", "POST"])
def verify() -> Any:
    # The page's form needs no copy of the token: the POST reads it from the session.
    form = FormState()
    if flask.request.method == "POST":
        token = _link_token("verify")
        try:
            if not token:  # no link opened in this browser (or it was used already)
                raise ApiError(400)
            context.services().pledges.confirm_email(token)
        except ApiError:
            form.add("_form", _(_LINK_REFUSED))
            return flask.render_template("verify.html", form=form), 400
        _spend_link_token("verify")
        flask.flash(_("Thank you: your e-mail address is confirmed."))
        return flask.redirect(flask.url_for("pages.home"))
    return _keep_link_token("verify") or flask.render_template("verify.html", form=form)


@account_links.post("/verify/send-again")
def send_verification_again() -> Any:
    """Mail a new confirmation link (the first was lost or expired); every answer is a notice
    on the console, never an error page."""
    back = flask.url_for("console.home")
    visitor = signed_in("creator", back_to=back)
    try:
        sent = context.services().pledges.send_verification(token=visitor.token)
    except ApiError as exc:
        if exc.status == 401:
            raise  # the session ended: sign in again
        if exc.status == 429:
            # The service says how long to wait ("...; ask again in 40 minutes").
            flask.flash(
                _("No new link yet: %(why)s.", why=exc.detail)
                if exc.detail
                else _("No new link yet: please try again in an hour.")
            )
        else:
            flask.flash(
                _(_NOT_RESENT.get(exc.status, ""))
                or exc.detail
                or _("No new link could be sent. Please try again later.")
            )
    else:
        flask.flash(
            _("A new link is on its way to %(email)s.", email=sent.get("email") or visitor.email)
        )
    return flask.redirect(back)


@account_links.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = read_form({"email"}, max_chars=ACCOUNT_FIELD_MAX)
    if flask.request.method == "POST":
        try:
            context.services().pledges.request_password_reset(form.values["email"])
        except ApiError as exc:
            form.add_api_errors(exc.errors, {"email"}, exc.detail or _("Please try again."))
            return flask.render_template("forgot_password.html", form=form), 422
        # The same words whether or not an account has that address.
        flask.flash(_("If an account has that address, we sent it a link to reset the password."))
        return flask.redirect(flask.url_for("accounts.login"))
    return flask.render_template("forgot_password.html", form=form)


@account_links.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> Any:
    form = FormState()
    if flask.request.method == "POST":
        password = read_form({"password"}, max_chars=ACCOUNT_FIELD_MAX).values["password"]
        token = _link_token("reset")
        try:
            if not token:  # no link opened in this browser (or it was used already)
                raise ApiError(400)
            context.services().pledges.reset_password(token, password)
        except ApiError as exc:
            if exc.status in (400, 404, 410):
                form.add("_form", _(_LINK_REFUSED))
            else:
                form.add_api_errors(exc.errors, {"password"}, exc.detail or _("Please try again."))
            return flask.render_template("reset_password.html", form=form), 422
        _spend_link_token("reset")
        flask.flash(_("Your password is changed: sign in with the new one."))
        return flask.redirect(flask.url_for("accounts.login"))
    return _keep_link_token("reset") or flask.render_template("reset_password.html", form=form)
