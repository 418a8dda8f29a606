"""Accounts, the tokens issued to them, and how self-registered ones sign in, in the pledges
database; and the argon2id password hasher."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import argon2
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import (
    account_credentials,
    account_links,
    account_notices,
    accounts,
    api_tokens,
    sign_in_failures,
    sign_up_attempts,
)
from services.pledges.domain.accounts import (
    Account,
    AccountLink,
    ApiToken,
    LinkPurpose,
    NoticeKind,
    Role,
)


class Argon2Passwords:
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, t=3, p=4)."""

    def __init__(self, hasher: argon2.PasswordHasher | None = None) -> None:
        self._hasher = hasher or argon2.PasswordHasher()
        # Checked against when the address is unknown, so a miss costs as long as a hit.
        self._dummy = self._hasher.hash("not a password of anyone's")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False


@dataclass(frozen=True)
class Credential:
    """How a self-registered account signs in."""

    account_id: uuid.UUID
    password_hash: str
    email_verified_at: datetime | None


class AccountRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, account: Account) -> None:
        self._connection.execute(
            accounts.insert().values(
                id=account.id,
                role=account.role.value,
                name=account.name,
                email=account.email,
                created_at=account.created_at,
                revoked_at=account.revoked_at,
                language=account.language,
            )
        )

    def get(self, account_id: uuid.UUID) -> Account | None:
        row = (
            self._connection.execute(sa.select(accounts).where(accounts.c.id == account_id))
            .mappings()
            .first()
        )
        if row is None:
            return None
        return Account(**{**row, "role": Role(row["role"])})

    def save_revocation(self, account: Account) -> None:
        self._connection.execute(
            accounts.update()
            .where(accounts.c.id == account.id)
            .values(revoked_at=account.revoked_at)
        )

    def save_language(self, account: Account) -> None:
        self._connection.execute(
            accounts.update().where(accounts.c.id == account.id).values(language=account.language)
        )

    def add_token(self, token: ApiToken) -> None:
        self._connection.execute(
            api_tokens.insert().values(
                id=token.id,
                account_id=token.account_id,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
                revoked_at=token.revoked_at,
            )
        )

    def get_token(self, token_id: uuid.UUID, *, for_update: bool = False) -> ApiToken | None:
        """The token's record; `for_update` locks it so two revocations do not both publish."""
        query = sa.select(api_tokens).where(api_tokens.c.id == token_id)
        if for_update:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else ApiToken(**row)

    def live_tokens(self, account_id: uuid.UUID, now: datetime) -> list[ApiToken]:
        """The account's tokens neither revoked nor expired, locked: a reset revokes them all
        while a revocation of one of them waits."""
        query = (
            sa.select(api_tokens)
            .where(
                api_tokens.c.account_id == account_id,
                api_tokens.c.revoked_at.is_(None),
                api_tokens.c.expires_at > now,
            )
            .order_by(api_tokens.c.issued_at)
            .with_for_update()
        )
        return [ApiToken(**row) for row in self._connection.execute(query).mappings()]

    def save_token_revocation(self, token: ApiToken) -> None:
        self._connection.execute(
            api_tokens.update()
            .where(api_tokens.c.id == token.id)
            .values(revoked_at=token.revoked_at)
        )

    # --- self sign-up ---------------------------------------------------------------------

    def account_with_email(self, email_key: str) -> uuid.UUID | None:
        """The account, self-registered or not, that already has this address, if any."""
        signed_up = sa.select(account_credentials.c.account_id).where(
            account_credentials.c.email_key == email_key
        )
        made = sa.select(accounts.c.id).where(sa.func.lower(accounts.c.email) == email_key)
        found = self._connection.execute(signed_up.union_all(made).limit(1)).first()
        return None if found is None else found[0]

    def add_credential(
        self, account_id: uuid.UUID, email_key: str, password_hash: str, at: datetime
    ) -> bool:
        """Whether the credential was added: False when a sign-up with the same address at
        the same moment got there first (the unique index lets one through)."""
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    account_credentials.insert().values(
                        account_id=account_id,
                        email_key=email_key,
                        password_hash=password_hash,
                        password_changed_at=at,
                    )
                )
        except sa.exc.IntegrityError:
            return False
        return True

    def credential(self, email_key: str) -> Credential | None:
        row = (
            self._connection.execute(
                sa.select(account_credentials).where(account_credentials.c.email_key == email_key)
            )
            .mappings()
            .first()
        )
        return None if row is None else _credential(row)

    def credential_of(
        self, account_id: uuid.UUID, *, for_update: bool = False
    ) -> Credential | None:
        """The account's credential; `for_update` locks it, so two requests for a new link
        at once are counted one after the other against the hourly limit."""
        query = sa.select(account_credentials).where(account_credentials.c.account_id == account_id)
        if for_update:
            query = query.with_for_update()
        row = self._connection.execute(query).mappings().first()
        return None if row is None else _credential(row)

    def set_password(self, account_id: uuid.UUID, password_hash: str, at: datetime) -> None:
        self._connection.execute(
            account_credentials.update()
            .where(account_credentials.c.account_id == account_id)
            .values(password_hash=password_hash, password_changed_at=at)
        )

    def mark_email_verified(self, account_id: uuid.UUID, at: datetime) -> None:
        self._connection.execute(
            account_credentials.update()
            .where(
                account_credentials.c.account_id == account_id,
                account_credentials.c.email_verified_at.is_(None),
            )
            .values(email_verified_at=at)
        )

    def add_link(self, link: AccountLink) -> None:
        self._connection.execute(
            account_links.insert().values(
                id=link.id,
                account_id=link.account_id,
                purpose=link.purpose.value,
                secret_hash=link.secret_hash,
                created_at=link.created_at,
                expires_at=link.expires_at,
                used_at=link.used_at,
            )
        )

    def get_link(self, link_id: uuid.UUID) -> AccountLink | None:
        """The link, locked: two clicks at once spend it once."""
        query = sa.select(account_links).where(account_links.c.id == link_id).with_for_update()
        row = self._connection.execute(query).mappings().first()
        if row is None:
            return None
        return AccountLink(**{**row, "purpose": LinkPurpose(row["purpose"])})

    def save_link_use(self, link: AccountLink) -> None:
        self._connection.execute(
            account_links.update()
            .where(account_links.c.id == link.id, account_links.c.used_at.is_(None))
            .values(used_at=link.used_at)
        )

    def spend_open_links(self, account_id: uuid.UUID, purpose: LinkPurpose, at: datetime) -> None:
        """Mark every unused link of `purpose` the account holds as used at `at`."""
        self._connection.execute(
            account_links.update()
            .where(
                account_links.c.account_id == account_id,
                account_links.c.purpose == purpose.value,
                account_links.c.used_at.is_(None),
            )
            .values(used_at=at)
        )

    def links_since(self, account_id: uuid.UUID, purpose: LinkPurpose, since: datetime) -> int:
        query = sa.select(sa.func.count()).where(
            account_links.c.account_id == account_id,
            account_links.c.purpose == purpose.value,
            account_links.c.created_at > since,
        )
        return int(self._connection.execute(query).scalar_one())

    def link_times_since(
        self, account_id: uuid.UUID, purpose: LinkPurpose, since: datetime
    ) -> list[datetime]:
        """When the account's links of `purpose` made after `since` were made, oldest first:
        a limit says from them when the caller may ask again."""
        query = (
            sa.select(account_links.c.created_at)
            .where(
                account_links.c.account_id == account_id,
                account_links.c.purpose == purpose.value,
                account_links.c.created_at > since,
            )
            .order_by(account_links.c.created_at)
        )
        return list(self._connection.execute(query).scalars())

    def record_failure(self, email_key: str, client_address: str, at: datetime) -> None:
        self._connection.execute(
            sign_in_failures.insert().values(
                email_key=email_key, client_address=client_address, failed_at=at
            )
        )

    def failures_since(
        self, since: datetime, *, email_key: str | None = None, client_address: str | None = None
    ) -> list[datetime]:
        """When the failed sign-ins for one address typed, or from one client, happened."""
        query = sa.select(sign_in_failures.c.failed_at).where(sign_in_failures.c.failed_at > since)
        if email_key is not None:
            query = query.where(sign_in_failures.c.email_key == email_key)
        if client_address is not None:
            query = query.where(sign_in_failures.c.client_address == client_address)
        return list(self._connection.execute(query).scalars())

    def forget_failures(
        self,
        *,
        email_key: str | None = None,
        client_address: str | None = None,
        before: datetime | None = None,
    ) -> None:
        """Clear the failures of an address typed (from one client, if named: a sign-in
        there forgives that client, not the others), or every failure older than `before`."""
        delete = sign_in_failures.delete()
        if email_key is not None:
            delete = delete.where(sign_in_failures.c.email_key == email_key)
        if client_address is not None:
            delete = delete.where(sign_in_failures.c.client_address == client_address)
        if before is not None:
            delete = delete.where(sign_in_failures.c.failed_at < before)
        self._connection.execute(delete)

    def sign_ups_since(self, client_address: str, since: datetime) -> list[datetime]:
        """When the client's sign-up attempts after `since` were made; older ones are pruned."""
        self._connection.execute(
            sign_up_attempts.delete().where(sign_up_attempts.c.attempted_at <= since)
        )
        query = sa.select(sign_up_attempts.c.attempted_at).where(
            sign_up_attempts.c.client_address == client_address,
            sign_up_attempts.c.attempted_at > since,
        )
        return list(self._connection.execute(query).scalars())

    def record_sign_up(self, client_address: str, at: datetime) -> None:
        self._connection.execute(
            sign_up_attempts.insert().values(client_address=client_address, attempted_at=at)
        )

    def claim_notice(
        self, account_id: uuid.UUID, kind: NoticeKind, at: datetime, quiet_since: datetime
    ) -> bool:
        """Whether the owner may be told of `kind` now, recording it if so: not when they were
        told after `quiet_since`, nor when another request claims it at the same moment."""
        where = (account_notices.c.account_id == account_id, account_notices.c.kind == kind.value)
        renewed = self._connection.execute(
            account_notices.update()
            .where(*where, account_notices.c.sent_at <= quiet_since)
            .values(sent_at=at)
        )
        if renewed.rowcount:
            return True
        try:
            with self._connection.begin_nested():
                self._connection.execute(
                    account_notices.insert().values(
                        account_id=account_id, kind=kind.value, sent_at=at
                    )
                )
        except sa.exc.IntegrityError:
            return False  # told within the period, or being told right now
        return True


def _credential(row: sa.RowMapping) -> Credential:
    return Credential(
        account_id=row["account_id"],
        password_hash=row["password_hash"],
        email_verified_at=row["email_verified_at"],
    )
