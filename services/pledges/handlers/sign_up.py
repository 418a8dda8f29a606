"""Handlers for accounts people make themselves: sign up, sign in, prove the address, reset a
forgotten password. Passwords are hashed here and never logged, evented or returned."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Protocol

from services.pledges import commands
from services.pledges.adapters.accounts import Argon2Passwords
from services.pledges.adapters.events import ACCOUNT_TOPIC, account_created
from services.pledges.domain.accounts import (
    Account,
    AttemptLimit,
    EmailAlreadyVerified,
    LinkPurpose,
    NoEmailToVerify,
    NoticeKind,
    SignInRefused,
    TooManyAttempts,
    check_password,
    email_key,
    normalise_password,
)
from services.pledges.domain.errors import InvalidValue
from services.pledges.handlers.account_mail import find_link, mail_link, notify_owner, spend_link
from services.pledges.handlers.accounts import _record, prove_email, revoke
from services.pledges.handlers.common import Clock, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import IssuedToken, TokenIssuer
from shared.sealing import Sealer

#: Self sign-up makes only these; auditors and admins are still made by an operator.
SIGN_UP_ROLES = ("backer", "creator")
#: A session token is an ordinary API token that lives shorter than the CLI's.
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_WINDOW = timedelta(minutes=15)
#: Failed sign-ins are limited per address typed *and* client, so strangers guessing from
#: elsewhere cannot lock the owner out; per client across addresses; and, once an address is
#: guessed at from many clients, for the clients that already failed there. A client with no
#: failure for the address is always let through to try.
PAIR_LIMIT = AttemptLimit(5, SIGN_IN_WINDOW)
CLIENT_LIMIT = AttemptLimit(20, SIGN_IN_WINDOW)
ACCOUNT_LIMIT = AttemptLimit(10, SIGN_IN_WINDOW)
#: The owner is mailed (once a day at most) when this many failures for their address
#: fall within the window, from anywhere.
NOTIFY_AFTER_FAILURES = 5
#: Each sign-up costs an argon2id hash and a mail to any address: 10 per client an hour.
SIGN_UP_LIMIT = AttemptLimit(10, timedelta(hours=1), what="sign-ups")
#: At most this many reset mails per account an hour: "forgot password" is no mail cannon.
RESETS_PER_HOUR = 3
#: At most this many confirmation mails per account in any hour, the sign-up one included.
VERIFICATIONS_PER_HOUR = 3
#: A password typed at sign-in longer than this is wrong without being hashed (no CPU sink).
SIGN_IN_PASSWORD_MAX = 1024
SIGN_IN_REFUSED = "wrong e-mail address or password"
#: Why a reset revoked a token, in `token.revoked`.
RESET_REVOKES = "the password was reset"
NO_EMAIL_TO_VERIFY = (
    "this account has no e-mail address to confirm: it was made by an operator, who vouched for it"
)


class Passwords(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str | None, password: str) -> bool: ...


#: One per process: its dummy hash costs one argon2 run at start-up.
_passwords: Passwords | None = None


def default_passwords() -> Passwords:
    global _passwords
    if _passwords is None:
        _passwords = Argon2Passwords()
    return _passwords


def sign_up(
    command: commands.SignUp,
    uow: PledgesUnitOfWork,
    sealer: Sealer,
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> None:
    """A new backer or creator with a password, unverified; its verification link is mailed.

    If the address already has an account, nothing is made and its owner is told instead; the
    caller sees no difference (same answer, and the password is hashed all the same).
    """
    if command.role not in SIGN_UP_ROLES:
        raise InvalidValue(f"role must be one of {', '.join(SIGN_UP_ROLES)}", "role")
    now = clock()
    account = Account.open(
        role=command.role,
        name=command.name,
        email=command.email,
        now=now,
        language=command.language,
    )
    assert account.email is not None
    password = check_password(command.password, name=account.name, email=account.email)
    key = email_key(account.email)
    with uow:
        # Counted before the hash: a refused client costs no argon2 run.
        window_start = now - SIGN_UP_LIMIT.window
        SIGN_UP_LIMIT.check(
            uow.accounts.sign_ups_since(command.client_address, window_start), now, "address"
        )
        uow.accounts.record_sign_up(command.client_address, now)
        uow.commit()
    # Hashed outside a transaction: argon2 takes a while and holds no lock meanwhile.
    password_hash = (passwords or default_passwords()).hash(password)
    with uow:
        owner = uow.accounts.account_with_email(key)
        if owner is not None:
            notify_owner(uow, owner, NoticeKind.SIGN_UP_ATTEMPTED, now)
            uow.commit()
            return
        uow.accounts.add(account)
        if not uow.accounts.add_credential(account.id, key, password_hash, now):
            # A twin sign-up with this address got there a moment ago; its own link is on the
            # way. This one writes nothing and answers the same.
            uow.rollback()
            return
        uow.publish(ACCOUNT_TOPIC, account_created(account))
        mail_link(uow, account.id, LinkPurpose.VERIFY_EMAIL, now, sealer)
        uow.commit()


def sign_in(
    command: commands.SignIn,
    uow: PledgesUnitOfWork,
    issuer: TokenIssuer,
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> tuple[Account, IssuedToken]:
    """A session token for the right address and password; one refusal for anything wrong.

    Failures are counted in the database (so every process counts them) per address typed
    and client, per client, and per address for clients that failed there (see the limits);
    past a limit the caller waits (429), right password or not.
    """
    now = clock()
    key = email_key(command.email)
    client = command.client_address
    window_start = now - SIGN_IN_WINDOW
    with uow:
        here = uow.accounts.failures_since(window_start, email_key=key, client_address=client)
        everywhere = uow.accounts.failures_since(window_start, email_key=key)
        PAIR_LIMIT.check(here, now, "account")
        CLIENT_LIMIT.check(
            uow.accounts.failures_since(window_start, client_address=client), now, "address"
        )
        if here:
            ACCOUNT_LIMIT.check(everywhere, now, "account")
        credential = uow.accounts.credential(key)
        account = uow.accounts.get(credential.account_id) if credential else None
        usable = len(command.password) <= SIGN_IN_PASSWORD_MAX
        # An unknown address is still checked against a dummy hash: same time, same answer.
        matches = usable and (passwords or default_passwords()).verify(
            credential.password_hash if credential else None,
            normalise_password(command.password),
        )
        if not matches or account is None or account.revoked_at is not None:
            uow.accounts.forget_failures(before=window_start)  # keeps the table small
            uow.accounts.record_failure(key, client, now)
            # This failure included: the owner hears of the fifth, once a day at most.
            if account and not account.revoked_at and len(everywhere) + 1 >= NOTIFY_AFTER_FAILURES:
                notify_owner(uow, account.id, NoticeKind.SIGN_IN_FAILURES, now)
            uow.commit()
            raise SignInRefused(SIGN_IN_REFUSED)
        uow.accounts.forget_failures(email_key=key, client_address=client)
        issued = issuer.mint(account.id, account.role.value, lifetime=SESSION_LIFETIME)
        uow.accounts.add_token(_record(account, issued))
        uow.commit()
    return account, issued


def verify_email(
    command: commands.VerifyEmail, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> uuid.UUID:
    """Mark the address of the link's account as proven; the link works once."""
    now = clock()
    with uow:
        link = spend_link(uow, command.link_token, LinkPurpose.VERIFY_EMAIL, now)
        prove_email(uow, link.account_id, now)
        uow.commit()
    return link.account_id


def request_email_verification(
    command: commands.RequestEmailVerification,
    uow: PledgesUnitOfWork,
    sealer: Sealer,
    clock: Clock = utc_now,
) -> str:
    """Mail a new link to prove the account's address (the first was lost, or expired); the
    address it goes to. Links mailed before stay valid until they expire: whichever mail
    arrives first works."""
    now = clock()
    with uow:
        # Locked: two requests at once are counted one after the other.
        credential = uow.accounts.credential_of(command.account_id, for_update=True)
        account = uow.accounts.get(command.account_id)
        if credential is None or account is None or not account.email:
            raise NoEmailToVerify(NO_EMAIL_TO_VERIFY)
        if credential.email_verified_at is not None:
            raise EmailAlreadyVerified("your e-mail address is already confirmed")
        window = timedelta(hours=1)
        recent = uow.accounts.link_times_since(account.id, LinkPurpose.VERIFY_EMAIL, now - window)
        if len(recent) >= VERIFICATIONS_PER_HOUR:
            # Free again when the oldest link that keeps the count at the limit is an hour old.
            frees_at = recent[len(recent) - VERIFICATIONS_PER_HOUR] + window
            retry_after = max(1, math.ceil((frees_at - now).total_seconds()))
            minutes = math.ceil(retry_after / 60)
            raise TooManyAttempts(
                f"{len(recent)} confirmation links were mailed in the last hour; ask again in "
                f"{minutes} minute{'' if minutes == 1 else 's'}",
                retry_after,
            )
        mail_link(uow, account.id, LinkPurpose.VERIFY_EMAIL, now, sealer)
        uow.commit()
    return account.email


def request_password_reset(
    command: commands.RequestPasswordReset,
    uow: PledgesUnitOfWork,
    sealer: Sealer,
    clock: Clock = utc_now,
) -> None:
    """Mail a reset link if the address signed up here, or is the address of an account an
    admin made (`fundtrail accounts create --email`: an auditor has no other way to choose a
    password and sign in on the site); the caller learns nothing either way."""
    now = clock()
    if not isinstance(command.email, str) or len(command.email) > 254:
        return
    with uow:
        key = email_key(command.email)
        credential = uow.accounts.credential(key)
        account_id = credential.account_id if credential else uow.accounts.account_with_email(key)
        account = uow.accounts.get(account_id) if account_id else None
        if account is None or account.revoked_at is not None:
            return
        recent = uow.accounts.links_since(
            account.id, LinkPurpose.RESET_PASSWORD, now - timedelta(hours=1)
        )
        if recent >= RESETS_PER_HOUR:
            return
        mail_link(uow, account.id, LinkPurpose.RESET_PASSWORD, now, sealer)
        uow.commit()


def reset_password(
    command: commands.ResetPassword,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> uuid.UUID:
    """Set a new password with a reset link (once, within the hour); the address counts as
    proven, since the link reached it. Whoever knew the old password may hold a session or
    another reset link: every token of the account is revoked and its other reset links spent."""
    now = clock()
    with uow:
        link = find_link(uow, command.link_token)
        account = uow.accounts.get(link.account_id)
        assert account is not None
        # A bad password is refused before the link is spent: the person may try again.
        password = check_password(command.password, name=account.name, email=account.email or "")
        link.use(LinkPurpose.RESET_PASSWORD, now)
        uow.accounts.save_link_use(link)
        hashed = (passwords or default_passwords()).hash(password)
        if uow.accounts.credential_of(account.id) is None:
            # An account an admin made: its first password, under the address it was made with.
            uow.accounts.add_credential(account.id, email_key(account.email or ""), hashed, now)
        else:
            uow.accounts.set_password(account.id, hashed, now)
        prove_email(uow, account.id, now)
        uow.accounts.forget_failures(email_key=email_key(account.email or ""))
        uow.accounts.spend_open_links(account.id, LinkPurpose.RESET_PASSWORD, now)
        for token in uow.accounts.live_tokens(account.id, now):
            revoke(uow, token, RESET_REVOKES, now)
        uow.commit()
    return account.id
