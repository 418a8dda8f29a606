"""`/api/v1/me` in the pledges service, which owns accounts: the whole account (the other
services answer only `account_id` and `role`), and the one thing changed here, its language."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from services.pledges import commands
from services.pledges.api.schemas import Language
from services.pledges.bootstrap import current_dependencies
from services.pledges.domain.accounts import Account
from services.pledges.handlers.accounts import choose_language
from services.pledges.handlers.common import UnknownAccount
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.web.api import Blueprint
from shared.web.auth import current_principal

blp = Blueprint("me", __name__, url_prefix="/api/v1", description="The caller's own account")


class MeOut(ma.Schema):
    id = ma.fields.UUID()
    account_id = ma.fields.UUID(
        metadata={"description": "The same as `id`, as every service's `/me` names it"}
    )
    name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    role = ma.fields.String()
    language = ma.fields.String(
        metadata={"description": "What its mails are written in and the site speaks: en or id"}
    )
    email_verified = ma.fields.Boolean(
        metadata={
            "description": "Whether the address is proven; an address an operator gave counts "
            "as proven, and an account without one is false"
        }
    )


class MeEdit(ma.Schema):
    language = Language(required=True)


@blp.get("/me")
@blp.authenticated()
@blp.response(200, MeOut)
def me() -> dict[str, Any]:
    """The caller's account: name, address, role and language."""
    with current_dependencies().uow_factory() as uow:
        return _view(uow, _account(uow))


@blp.patch("/me")
@blp.authenticated()
@blp.arguments(MeEdit)
@blp.response(200, MeOut)
@blp.problem(415, "The body is not JSON")
@blp.problem(422, "Not a language Fundtrail speaks; `errors` names the field")
def edit_me(body: dict[str, Any]) -> dict[str, Any]:
    """Choose the language of the caller's mails and pages (`en` or `id`)."""
    dependencies = current_dependencies()
    me = current_principal().account_id
    choose_language(
        commands.ChooseLanguage(me, body["language"]),
        dependencies.uow_factory(),
        dependencies.clock,
    )
    with dependencies.uow_factory() as uow:
        return _view(uow, _account(uow))


def _account(uow: PledgesUnitOfWork) -> Account:
    me = current_principal().account_id
    account = uow.accounts.get(me)
    if account is None:  # a valid token of an account this database never held
        raise UnknownAccount(f"no account {me}", "account_id")
    return account


def _view(uow: PledgesUnitOfWork, account: Account) -> dict[str, Any]:
    credential = uow.accounts.credential_of(account.id)
    verified = (
        credential.email_verified_at is not None
        if credential is not None
        else account.email is not None
    )
    return {
        "id": account.id,
        "account_id": account.id,
        "name": account.name,
        "email": account.email,
        "role": account.role.value,
        "language": account.language,
        "email_verified": verified,
    }
