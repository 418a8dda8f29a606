"""Accounts people make themselves over HTTP: sign up, sign in, prove the address, reset a
forgotten password. Thin routes over `handlers.sign_up`; no route takes a token."""

from __future__ import annotations

from typing import Any

import flask
import marshmallow as ma

from services.pledges import commands
from services.pledges.api import context
from services.pledges.api.schemas import Language
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.accounts import (
    EMAIL_MAX,
    NAME_MAX,
    InvalidLink,
    LinkGone,
    SignInRefused,
    TooManyAttempts,
)
from services.pledges.handlers import sign_up as handlers
from shared.languages import DEFAULT_LANGUAGE
from shared.web.api import Blueprint
from shared.web.fields import Text
from shared.web.problems import problem_response

blp = Blueprint(
    "sign_up",
    __name__,
    url_prefix="/api/v1",
    description="Accounts people make themselves: sign-up, sign-in, e-mail and password links",
)

#: Longer than any password we accept (the domain says so, with the field named): the bound
#: only stops a megabyte of "password" reaching the hasher.
_PASSWORD_FIELD_MAX = 1024


def _password(**metadata: Any) -> ma.fields.String:
    return ma.fields.String(
        required=True,
        validate=ma.validate.Length(max=_PASSWORD_FIELD_MAX),
        load_only=True,
        metadata=metadata,
    )


class SignUpIn(ma.Schema):
    name = Text(required=True, max_length=NAME_MAX)
    email = Text(required=True, max_length=EMAIL_MAX, validate=ma.validate.Length(max=EMAIL_MAX))
    password = _password(
        description="15 to 128 characters, not one found early by guessers (breached-password "
        "lists, common words, the name or address); no composition rules"
    )
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(handlers.SIGN_UP_ROLES))
    language = Language(load_default=DEFAULT_LANGUAGE)


class SignUpOut(ma.Schema):
    """The same answer whether or not the address already had an account: it names none."""

    email = ma.fields.String(metadata={"description": "Where the next step was mailed"})
    detail = ma.fields.String()


SIGN_UP_SENT = (
    "Thank you. We sent a message to this address: follow it to finish. If nothing arrives "
    "within a few minutes, check the address and your spam folder."
)


class SessionIn(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=_PASSWORD_FIELD_MAX))
    password = _password()


class SessionOut(ma.Schema):
    token = ma.fields.String(metadata={"description": "Shown once: a bearer token"})
    token_id = ma.fields.UUID(metadata={"description": "Its id: revoke it to sign out"})
    account_id = ma.fields.UUID()
    role = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()


class LinkIn(ma.Schema):
    token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


class VerifiedOut(ma.Schema):
    account_id = ma.fields.UUID()
    email_verified = ma.fields.Boolean()


class ResetRequestIn(ma.Schema):
    email = ma.fields.String(required=True, validate=ma.validate.Length(max=_PASSWORD_FIELD_MAX))


class NewPasswordIn(ma.Schema):
    password = _password(description="15 to 128 characters, not easily guessed")


class AcceptedOut(ma.Schema):
    detail = ma.fields.String()


@blp.post("/signup")
@blp.arguments(SignUpIn)
@blp.response(201, SignUpOut)
@blp.problem(429, "Too many sign-ups from this client: see Retry-After")
def sign_up(body: dict[str, Any]) -> dict[str, Any]:
    """Make a backer or creator account; a link to verify the address is mailed. If the address
    already has an account its owner is mailed instead, and the answer is the same, so it tells
    nobody who has an account. No token: sign in next (`POST /sessions`)."""
    command = commands.SignUp(**body, client_address=context.client_address())
    dependencies = current_dependencies()
    handlers.sign_up(
        command, dependencies.uow_factory(), dependencies.link_sealer, dependencies.clock
    )
    return {"email": body["email"], "detail": SIGN_UP_SENT}


@blp.post("/sessions")
@blp.arguments(SessionIn)
@blp.response(201, SessionOut)
@blp.problem(401, "Wrong e-mail address or password")
@blp.problem(429, "Too many failed sign-ins: see Retry-After")
def sign_in(body: dict[str, Any]) -> dict[str, Any]:
    """Exchange an e-mail address and password for a session token (12 hours)."""
    command = commands.SignIn(
        body["email"], body["password"], client_address=context.client_address()
    )
    root = current_dependencies()
    account, issued = handlers.sign_in(command, root.uow_factory(), root.token_issuer, root.clock)
    return {
        "token": issued.token,
        "token_id": issued.token_id,
        "account_id": account.id,
        "role": account.role.value,
        "expires_at": issued.expires_at,
    }


@blp.post("/email-verifications")
@blp.arguments(LinkIn)
@blp.response(200, VerifiedOut)
@blp.problem(400, "Not a link we made")
@blp.problem(410, "The link expired or was already used")
def verify_email(body: dict[str, Any]) -> dict[str, Any]:
    """Prove the address with the token of the mailed link (24 hours, once)."""
    dependencies = current_dependencies()
    account_id = handlers.verify_email(
        commands.VerifyEmail(body["token"]),
        dependencies.uow_factory(),
        dependencies.clock,
    )
    return {"account_id": account_id, "email_verified": True}


@blp.post("/password-resets")
@blp.arguments(ResetRequestIn)
@blp.response(202, AcceptedOut)
def request_password_reset(body: dict[str, Any]) -> dict[str, Any]:
    """Mail a link to set a new password, if the address signed up here; the answer is the same
    either way, so it tells nobody who has an account."""
    dependencies = current_dependencies()
    handlers.request_password_reset(
        commands.RequestPasswordReset(body["email"]),
        dependencies.uow_factory(),
        dependencies.link_sealer,
        dependencies.clock,
    )
    return {"detail": "If an account has this address, a link to reset its password is on its way."}


@blp.post("/password-resets/<string:token>")
@blp.arguments(NewPasswordIn)
@blp.response(200, VerifiedOut)
@blp.problem(400, "Not a link we made")
@blp.problem(410, "The link expired or was already used")
def reset_password(body: dict[str, Any], token: str) -> dict[str, Any]:
    """Set a new password with the token of the mailed link (1 hour, once)."""
    dependencies = current_dependencies()
    account_id = handlers.reset_password(
        commands.ResetPassword(token, body["password"]),
        dependencies.uow_factory(),
        dependencies.clock,
    )
    return {"account_id": account_id, "email_verified": True}


@blp.errorhandler(SignInRefused)
def _refused(error: SignInRefused) -> flask.Response:
    return problem_response(401, error.message, headers={"WWW-Authenticate": "Bearer"})


@blp.errorhandler(TooManyAttempts)
def _too_many(error: TooManyAttempts) -> flask.Response:
    return problem_response(429, error.message, headers={"Retry-After": str(error.retry_after)})


@blp.errorhandler(InvalidLink)
def _invalid_link(error: InvalidLink) -> flask.Response:
    return problem_response(400, error.message, errors={"token": [error.message]})


@blp.errorhandler(LinkGone)
def _gone(error: LinkGone) -> flask.Response:
    return problem_response(410, error.message, errors={"token": [error.message]})
