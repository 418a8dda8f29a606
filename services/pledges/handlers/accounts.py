"""Handlers for accounts and their tokens: opening, revoking, issuing fresh tokens."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from services.pledges import commands
from services.pledges.adapters.events import (
    ACCOUNT_TOPIC,
    account_created,
    account_revoked,
    email_verified,
    language_changed,
    token_revoked,
)
from services.pledges.domain.accounts import Account, ApiToken
from services.pledges.domain.errors import NotAllowed, NotFound
from services.pledges.handlers.common import Clock, UnknownAccount, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import IssuedToken, TokenIssuer


class UnknownToken(NotFound):
    """No token has that id."""


class NotYourToken(NotAllowed):
    """Only a token's own account, or an admin, may revoke it."""


@dataclass(frozen=True)
class NewAccount:
    account: Account
    #: Its first token, shown once; only its id and expiry are kept, never the token itself.
    issued: IssuedToken

    @property
    def token(self) -> str:
        return self.issued.token


def create_account(
    command: commands.CreateAccount,
    uow: PledgesUnitOfWork,
    issuer: TokenIssuer,
    clock: Clock = utc_now,
) -> NewAccount:
    account = Account.open(
        role=command.role,
        name=command.name,
        email=command.email,
        now=clock(),
        language=command.language,
    )
    # Tokens are stamped with the wall clock, not `clock`: every verifier checks them against
    # its own wall clock, whatever time a test's clock stands at.
    issued = issuer.mint(account.id, account.role.value, lifetime=command.token_lifetime)
    with uow:
        uow.accounts.add(account)
        uow.accounts.add_token(_record(account, issued))
        uow.publish(ACCOUNT_TOPIC, account_created(account))
        if account.email:
            # The operator vouches for the address: it counts as proven (see NoEmailToVerify).
            uow.publish(ACCOUNT_TOPIC, email_verified(account.id, account.created_at))
        uow.commit()
    return NewAccount(account, issued)


def prove_email(uow: PledgesUnitOfWork, account_id: uuid.UUID, now: datetime) -> None:
    """Record the account's address as proven, and tell the other services (the updates
    service mails update news only to proven addresses); inside the caller's transaction."""
    uow.accounts.mark_email_verified(account_id, now)
    uow.publish(ACCOUNT_TOPIC, email_verified(account_id, now))


def choose_language(
    command: commands.ChooseLanguage, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> Account:
    """The account speaks `command.language` from now on; the other services hear of it
    (the updates service writes its mails in it). Choosing the same language again is a no-op."""
    with uow:
        account = uow.accounts.get(command.account_id)
        if account is None:
            raise UnknownAccount(f"no account {command.account_id}", "account_id")
        if account.choose_language(command.language):
            uow.accounts.save_language(account)
            uow.publish(ACCOUNT_TOPIC, language_changed(account, clock()))
            uow.commit()
    return account


def issue_token(
    command: commands.IssueToken, uow: PledgesUnitOfWork, issuer: TokenIssuer
) -> IssuedToken:
    """A fresh token for an existing, unrevoked account; its other tokens stay valid."""
    with uow:
        account = uow.accounts.get(command.account_id)
        if account is None:
            raise UnknownAccount(f"no account {command.account_id}", "account_id")
        account.check_may_get_token()
        issued = issuer.mint(account.id, account.role.value, lifetime=command.lifetime)
        uow.accounts.add_token(_record(account, issued))
        uow.commit()
    return issued


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


def revoke_token(
    command: commands.RevokeToken, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> ApiToken:
    """Refuse one token: here at once, in the other services when they hear `token.revoked`."""
    with uow:
        token = uow.accounts.get_token(command.token_id, for_update=True)
        if token is None:
            raise UnknownToken(f"no token {command.token_id}", "token_id")
        operator = command.actor_id is None  # the command line, with the database's keys
        if not (operator or command.actor_is_admin or command.actor_id == token.account_id):
            raise NotYourToken("only the token's own account or an admin may revoke it")
        revoke(uow, token, command.reason, clock())
        uow.commit()
    return token


def revoke(uow: PledgesUnitOfWork, token: ApiToken, reason: str, now: datetime) -> None:
    """Refuse `token` here from this commit on, and in the other services when they hear
    `token.revoked`; inside the caller's transaction."""
    token.revoke(now)
    assert token.revoked_at is not None
    uow.accounts.save_token_revocation(token)
    # Pledges refuses it from this commit on, without waiting for its own event.
    uow.revoke_token(token.id, token.account_id, token.revoked_at, token.expires_at)
    uow.publish(ACCOUNT_TOPIC, token_revoked(token, reason))


def _record(account: Account, issued: IssuedToken) -> ApiToken:
    return ApiToken(
        id=issued.token_id,
        account_id=account.id,
        issued_at=issued.issued_at,
        expires_at=issued.expires_at,
    )
