"""The creator console's payouts page: the payout account's state, and the way to the payment
provider's own pages to set it up. The provider sends the creator back here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import flask
from flask_babel import gettext as _

from services.site import context
from services.site.access import signed_in
from services.site.clients import ApiError
from services.site.console.payout_view import payout_view
from shared.i18n import gettext_noop as N_

console_payouts = flask.Blueprint("console_payouts", __name__)

_NOT_STARTED = N_("Setting up payouts could not start. Please try again in a moment.")


@console_payouts.get("/console/payouts")
def page() -> Any:
    visitor = signed_in("creator")
    payouts = payout_view(context.services().pledges, visitor.token)
    return flask.render_template("console_payouts.html", payouts=payouts)


@console_payouts.post("/console/payouts")
def set_up() -> Any:
    back = flask.url_for("console_payouts.page")
    visitor = signed_in("creator", back_to=back)
    try:
        address = context.services().pledges.start_payout_onboarding(token=visitor.token)
    except ApiError as exc:
        if exc.status == 401:
            raise
        flask.flash(exc.detail or _(_NOT_STARTED))
        return flask.redirect(back)
    # The provider's pages, on its own site: only ever a web address, never a script.
    if urlsplit(address).scheme not in ("https", "http"):
        flask.flash(_(_NOT_STARTED))
        return flask.redirect(back)
    return flask.redirect(address, 303)
