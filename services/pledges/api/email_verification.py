"""The signed-in account's own e-mail confirmation: is the address proven, and mail a new
link when the first one was lost or expired. Thin routes over `handlers.sign_up`."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma

from services.pledges import commands
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.accounts import NoEmailToVerify, TooManyAttempts
from services.pledges.handlers import sign_up as handlers
from shared.web.api import Blueprint
from shared.web.auth import current_principal
from shared.web.problems import problem_response

blp = Blueprint(
    "email_verification",
    __name__,
    url_prefix="/api/v1",
    description="The caller's own e-mail confirmation: its state, and a new link",
)

_NO_EMAIL = "The account was made by an operator (CLI or admin): no address of its own to confirm"


class EmailVerificationOut(ma.Schema):
    email = ma.fields.String(metadata={"description": "The address the links are mailed to"})
    email_verified = ma.fields.Boolean()
    email_verified_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "When it was proven; null until then"}
    )


class LinkMailedOut(ma.Schema):
    detail = ma.fields.String()
    email = ma.fields.String(metadata={"description": "Where the new link is going"})


@blp.get("/me/email-verification")
@blp.authenticated()
@blp.response(200, EmailVerificationOut)
@blp.problem(404, _NO_EMAIL)
def email_verification() -> dict[str, Any]:
    """Whether the caller's address is confirmed. A creator who signed up launches a campaign
    only once it is."""
    me = current_principal().account_id
    with current_dependencies().uow_factory() as unit:
        credential = unit.accounts.credential_of(me)
        account = unit.accounts.get(me)
    if credential is None or account is None or not account.email:
        raise NoEmailToVerify(handlers.NO_EMAIL_TO_VERIFY)
    return {
        "email": account.email,
        "email_verified": credential.email_verified_at is not None,
        "email_verified_at": credential.email_verified_at,
    }


@blp.post("/me/email-verification")
@blp.authenticated()
@blp.response(202, LinkMailedOut)
@blp.problem(404, _NO_EMAIL)
@blp.problem(409, "The address is already confirmed")
@blp.problem(
    429,
    f"{handlers.VERIFICATIONS_PER_HOUR} links were mailed in the last hour: see Retry-After",
)
def request_email_verification() -> dict[str, Any]:
    """Mail a new link to confirm the caller's address (24 hours, once). Links mailed before
    keep working until they expire or are used; at most 3 are mailed an hour, the sign-up one
    included."""
    dependencies = current_dependencies()
    email = handlers.request_email_verification(
        commands.RequestEmailVerification(current_principal().account_id),
        dependencies.uow_factory(),
        dependencies.link_sealer,
        dependencies.clock,
    )
    return {
        "detail": f"A new link to confirm your address is on its way to {email}.",
        "email": email,
    }


@blp.errorhandler(TooManyAttempts)
def _too_many(error: TooManyAttempts) -> flask.Response:
    return problem_response(429, error.message, headers={"Retry-After": str(error.retry_after)})
