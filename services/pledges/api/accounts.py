"""Accounts over HTTP: admins create and revoke them (the CLI does the same)."""

from __future__ import annotations

import uuid
from typing import Any

from services.pledges import commands, handlers
from services.pledges.api.context import uow
from services.pledges.api.schemas import AccountIn, AccountOut, RevokedOut, RevokeIn
from shared.web.api import Blueprint
from shared.web.app import service_context

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Accounts and tokens")


@blp.post("/accounts")
@blp.authenticated("admin")
@blp.arguments(AccountIn)
@blp.response(201, AccountOut)
@blp.problem(403, "Only admins create accounts this way")
def create_account(body: dict[str, Any]) -> dict[str, Any]:
    """Create an account and return its token, once."""
    context = service_context()
    new = handlers.create_account(
        commands.CreateAccount(**body), uow(), context.extra["token_issuer"]
    )
    return {
        "id": new.account.id,
        "role": new.account.role.value,
        "name": new.account.name,
        "token": new.token,
    }


@blp.post("/accounts/<uuid:account_id>/revoke")
@blp.authenticated("admin")
@blp.arguments(RevokeIn)
@blp.response(200, RevokedOut)
@blp.problem(404, "No such account")
@blp.problem(409, "Already revoked")
def revoke_account(body: dict[str, Any], account_id: uuid.UUID) -> dict[str, Any]:
    """Revoke an account: every service refuses its tokens once it hears of it."""
    account = handlers.revoke_account(commands.RevokeAccount(account_id, body["reason"]), uow())
    return {"id": account.id, "revoked_at": account.revoked_at}
