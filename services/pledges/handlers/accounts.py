"""Handlers for accounts: opening and revoking them."""

from __future__ import annotations

from dataclasses import dataclass

from services.pledges import commands
from services.pledges.adapters.events import ACCOUNT_TOPIC, account_created, account_revoked
from services.pledges.domain.accounts import Account
from services.pledges.handlers.common import Clock, UnknownAccount, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import TokenIssuer


@dataclass(frozen=True)
class NewAccount:
    account: Account
    #: Shown once; only the account id and role are kept, never the token itself.
    token: str


def create_account(
    command: commands.CreateAccount,
    uow: PledgesUnitOfWork,
    issuer: TokenIssuer,
    clock: Clock = utc_now,
) -> NewAccount:
    account = Account.open(role=command.role, name=command.name, email=command.email, now=clock())
    with uow:
        uow.accounts.add(account)
        uow.publish(ACCOUNT_TOPIC, account_created(account))
        uow.commit()
    return NewAccount(account, issuer.issue(account.id, account.role.value))


def revoke_account(
    command: commands.RevokeAccount, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> Account:
    with uow:
        account = uow.accounts.get(command.account_id)
        if account is None:
            raise UnknownAccount(f"no account {command.account_id}", "account_id")
        account.revoke(clock())
        uow.accounts.save_revocation(account)
        # Our own token check reads the same table the other services fill from the event.
        uow.revoke_account(account.id, account.revoked_at)
        uow.publish(ACCOUNT_TOPIC, account_revoked(account, command.reason))
        uow.commit()
    return account
