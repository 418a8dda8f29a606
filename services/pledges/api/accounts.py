"""Accounts and tokens over HTTP: admins create and revoke accounts and issue fresh tokens;
a token is revoked by its own account or an admin (the CLI does the same)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import marshmallow as ma

from services.pledges import commands, handlers
from services.pledges.api.schemas import AccountIn, AccountOut, RevokedOut, RevokeIn
from services.pledges.bootstrap import current_dependencies
from services.pledges.handlers.accounts import issue_token, revoke_token
from shared.auth import MAX_TOKEN_LIFETIME, check_lifetime, parse_duration
from shared.web.api import Blueprint
from shared.web.auth import current_principal

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and tokens")


class Lifetime(ma.fields.Field):
    """How long a token lives: `90d`, `12h`, `30m`, `2w`, or a whole number of seconds."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {
            "type": "string",
            "example": "90d",
            "description": (
                "How long the token lives: a number with s, m, h, d or w (`90d`), or seconds; "
                f"at most {MAX_TOKEN_LIFETIME.days} days. Default: the service's setting."
            ),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> timedelta:
        # bool is an int in Python: `true` is not "1 second".
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ma.ValidationError("must be a duration such as 90d, or a number of seconds")
        try:
            return check_lifetime(parse_duration(str(value)))
        except ValueError as exc:
            raise ma.ValidationError(str(exc)) from None


class NewAccountIn(AccountIn):
    expires_in = Lifetime(load_default=None)


class NewAccountOut(AccountOut):
    token_id = ma.fields.UUID(metadata={"description": "The token's id, to revoke it by"})
    expires_at = ma.fields.AwareDateTime()


class TokenIn(ma.Schema):
    expires_in = Lifetime(load_default=None)


class TokenOut(ma.Schema):
    token = ma.fields.String(metadata={"description": "Shown once: keep it safe"})
    token_id = ma.fields.UUID(metadata={"description": "The token's id, to revoke it by"})
    account_id = ma.fields.UUID()
    expires_at = ma.fields.AwareDateTime()


class RevokedTokenOut(ma.Schema):
    token_id = ma.fields.UUID()
    account_id = ma.fields.UUID()
    revoked_at = ma.fields.AwareDateTime()
    expires_at = ma.fields.AwareDateTime()


@blp.post("/accounts")
@blp.authenticated("admin")
@blp.arguments(NewAccountIn)
@blp.response(201, NewAccountOut)
@blp.problem(403, "Only admins create accounts this way")
def create_account(body: dict[str, Any]) -> dict[str, Any]:
    """Create an account and return its first token, once."""
    dependencies = current_dependencies()
    lifetime = body.pop("expires_in")
    new = handlers.create_account(
        commands.CreateAccount(**body, token_lifetime=lifetime),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return {
        "id": new.account.id,
        "role": new.account.role.value,
        "name": new.account.name,
        "token": new.token,
        "token_id": new.issued.token_id,
        "expires_at": new.issued.expires_at,
    }


@blp.post("/accounts/<uuid:account_id>/revoke")
@blp.authenticated("admin")
@blp.arguments(RevokeIn)
@blp.response(200, RevokedOut)
@blp.problem(404, "No such account")
@blp.problem(409, "Already revoked")
def revoke_account(body: dict[str, Any], account_id: uuid.UUID) -> dict[str, Any]:
    """Revoke an account: every service refuses its tokens once it hears of it."""
    account = handlers.revoke_account(
        commands.RevokeAccount(account_id, body["reason"]), current_dependencies().uow_factory()
    )
    return {"id": account.id, "revoked_at": account.revoked_at}


@blp.post("/accounts/<uuid:account_id>/tokens")
@blp.authenticated("admin")
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.problem(403, "Only admins issue tokens this way")
@blp.problem(404, "No such account")
@blp.problem(409, "The account is revoked")
def create_token(body: dict[str, Any], account_id: uuid.UUID) -> dict[str, Any]:
    """Issue a fresh token for an account; its other tokens stay valid until they expire.

    Admins only: a token that could renew itself would outlive its expiry when stolen.
    """
    dependencies = current_dependencies()
    issued = issue_token(
        commands.IssueToken(account_id, body["expires_in"]),
        dependencies.uow_factory(),
        dependencies.token_issuer,
    )
    return {
        "token": issued.token,
        "token_id": issued.token_id,
        "account_id": account_id,
        "expires_at": issued.expires_at,
    }


@blp.post("/tokens/<uuid:token_id>/revoke")
@blp.authenticated()
@blp.arguments(RevokeIn)
@blp.response(200, RevokedTokenOut)
@blp.problem(403, "Neither the token's own account nor an admin")
@blp.problem(404, "No such token")
@blp.problem(409, "Already revoked")
def revoke_one_token(body: dict[str, Any], token_id: uuid.UUID) -> dict[str, Any]:
    """Revoke one token by its id (its `jti`): refused here at once, and by the other services
    once they hear `token.revoked`. The account's other tokens still work."""
    dependencies = current_dependencies()
    actor = current_principal()
    token = revoke_token(
        commands.RevokeToken(
            token_id,
            body["reason"],
            actor_id=actor.account_id,
            actor_is_admin=actor.role == "admin",
        ),
        dependencies.uow_factory(),
        dependencies.clock,
    )
    return {
        "token_id": token.id,
        "account_id": token.account_id,
        "revoked_at": token.revoked_at,
        "expires_at": token.expires_at,
    }
