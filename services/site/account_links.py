"""The pages behind the links mailed to people: confirm an e-mail address, reset a password;
and the console's button that mails a new confirmation link.

Opening a link (GET) only shows a form; the change happens on the POST, so a mail scanner that
follows links changes nothing. The pledges service checks the one-time token.
"""

from __future__ import annotations

from typing import Any

import flask

from services.site import context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.forms import FormState

account_links = flask.Blueprint("account_links", __name__)

#: What a person is told when the pledges service refuses a link (400 forged, 410 used/expired).
_LINK_REFUSED = "This link has expired or was already used. Ask for a new one."
#: What a creator is told when no new confirmation link is sent, by the pledges service's status.
_NOT_RESENT = {
    404: "This account has no e-mail address to confirm.",
    409: "Your e-mail address is already confirmed: you can launch your campaigns.",
}


def _token() -> str:
    return flask.request.values.get("token", "")[:2048]


@account_links.route("/verify", methods=["GET", "POST"])
def verify() -> Any:
    form = FormState(values={"token": _token()})
    if flask.request.method == "POST":
        try:
            context.services().pledges.post_json(
                "/api/v1/email-verifications", {"token": form.values["token"]}
            )
        except ApiError:
            form.add("_form", _LINK_REFUSED)
            return flask.render_template("verify.html", form=form), 400
        flask.flash("Thank you: your e-mail address is confirmed.")
        return flask.redirect(flask.url_for("pages.home"))
    return flask.render_template("verify.html", form=form)


@account_links.post("/verify/send-again")
def send_verification_again() -> Any:
    """Mail a new confirmation link (the first was lost or expired); every answer is a notice
    on the console, never an error page."""
    back = flask.url_for("console.home")
    visitor = signed_in("creator", back_to=back)
    try:
        sent = context.services().pledges.post_json(
            "/api/v1/me/email-verification", None, token=visitor.token
        )
    except ApiError as exc:
        if exc.status == 401:
            raise  # the session ended: sign in again
        if exc.status == 429:
            # The service says how long to wait ("...; ask again in 40 minutes").
            flask.flash(f"No new link yet: {exc.detail or 'please try again in an hour'}.")
        else:
            flask.flash(
                _NOT_RESENT.get(exc.status)
                or exc.detail
                or "No new link could be sent. Please try again later."
            )
    else:
        flask.flash(f"A new link is on its way to {sent.get('email') or visitor.email}.")
    return flask.redirect(back)


@account_links.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Any:
    form = FormState(values={"email": flask.request.form.get("email", "")[:1024]})
    if flask.request.method == "POST":
        try:
            context.services().pledges.post_json(
                "/api/v1/password-resets", {"email": form.values["email"]}
            )
        except ApiError as exc:
            form.add_api_errors(exc.errors, {"email"}, exc.detail or "Please try again.")
            return flask.render_template("forgot_password.html", form=form), 422
        # The same words whether or not an account has that address.
        flask.flash("If an account has that address, we sent it a link to reset the password.")
        return flask.redirect(flask.url_for("accounts.login"))
    return flask.render_template("forgot_password.html", form=form)


@account_links.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> Any:
    form = FormState(values={"token": _token()})
    if flask.request.method == "POST":
        password = flask.request.form.get("password", "")[:1024]
        try:
            context.services().pledges.post_json(
                f"/api/v1/password-resets/{form.values['token']}", {"password": password}
            )
        except ApiError as exc:
            if exc.status in (400, 404, 410):
                form.add("_form", _LINK_REFUSED)
            else:
                form.add_api_errors(exc.errors, {"password"}, exc.detail or "Please try again.")
            return flask.render_template("reset_password.html", form=form), 422
        flask.flash("Your password is changed: sign in with the new one.")
        return flask.redirect(flask.url_for("accounts.login"))
    return flask.render_template("reset_password.html", form=form)
