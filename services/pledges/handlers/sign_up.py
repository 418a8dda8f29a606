"""Handlers for accounts people make themselves: sign up, sign in, prove the address, reset a
forgotten password. Passwords are hashed here and never logged, evented or returned."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Protocol

from services.pledges import commands
from services.pledges.adapters.accounts import Argon2Passwords
from services.pledges.adapters.events import (
    ACCOUNT_TOPIC,
    account_created,
    verification_requested,
)
from services.pledges.domain.accounts import (
    Account,
    AccountLink,
    EmailAlreadyVerified,
    EmailTaken,
    InvalidLink,
    LinkPurpose,
    NoEmailToVerify,
    SignInLimit,
    SignInRefused,
    TooManyAttempts,
    check_password,
    email_key,
    normalise_password,
)
from services.pledges.domain.errors import InvalidValue
from services.pledges.handlers.accounts import _record, prove_email
from services.pledges.handlers.common import Clock, utc_now
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import IssuedToken, TokenIssuer

#: Self sign-up makes only these; auditors and admins are still made by an operator.
SIGN_UP_ROLES = ("backer", "creator")
#: A session token is an ordinary API token that lives shorter than the CLI's.
SESSION_LIFETIME = timedelta(hours=12)
LINK_LIFETIMES = {
    LinkPurpose.VERIFY_EMAIL: timedelta(hours=24),
    LinkPurpose.RESET_PASSWORD: timedelta(hours=1),
}
#: Per address typed, and per client: 5 and 20 failures in any 15 minutes.
ACCOUNT_LIMIT = SignInLimit(5, timedelta(minutes=15))
CLIENT_LIMIT = SignInLimit(20, timedelta(minutes=15))
#: At most this many reset mails per account an hour: "forgot password" is no mail cannon.
RESETS_PER_HOUR = 3
#: At most this many confirmation mails per account in any hour, the sign-up one included.
VERIFICATIONS_PER_HOUR = 3
#: A password typed at sign-in longer than this is wrong without being hashed (no CPU sink).
SIGN_IN_PASSWORD_MAX = 1024
SECRET_BYTES = 32
SIGN_IN_REFUSED = "wrong e-mail address or password"
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
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> Account:
    """A new backer or creator with a password, unverified; its verification link is mailed."""
    if command.role not in SIGN_UP_ROLES:
        raise InvalidValue(f"role must be one of {', '.join(SIGN_UP_ROLES)}", "role")
    now = clock()
    account = Account.open(role=command.role, name=command.name, email=command.email, now=now)
    assert account.email is not None
    password = check_password(command.password, name=account.name, email=account.email)
    key = email_key(account.email)
    # Hashed before the transaction opens: argon2 takes a while and holds no lock meanwhile.
    password_hash = (passwords or default_passwords()).hash(password)
    with uow:
        if uow.accounts.email_in_use(key):
            raise EmailTaken("an account with this e-mail address already exists", "email")
        uow.accounts.add(account)
        uow.accounts.add_credential(account.id, key, password_hash, now)
        uow.publish(ACCOUNT_TOPIC, account_created(account))
        _mail_link(uow, account.id, LinkPurpose.VERIFY_EMAIL, now)
        uow.commit()
    return account


def sign_in(
    command: commands.SignIn,
    uow: PledgesUnitOfWork,
    issuer: TokenIssuer,
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> tuple[Account, IssuedToken]:
    """A session token for the right address and password; one refusal for anything wrong.

    Failures are counted in the database per address typed and per client (so every process
    counts them); past either limit the caller waits (429), right password or not.
    """
    now = clock()
    key = email_key(command.email)
    window_start = now - ACCOUNT_LIMIT.window
    with uow:
        ACCOUNT_LIMIT.check(
            uow.accounts.failures_since(window_start, email_key=key), now, "account"
        )
        CLIENT_LIMIT.check(
            uow.accounts.failures_since(window_start, client_address=command.client_address),
            now,
            "address",
        )
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
            uow.accounts.record_failure(key, command.client_address, now)
            uow.commit()
            raise SignInRefused(SIGN_IN_REFUSED)
        uow.accounts.forget_failures(email_key=key)
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
        link = _spend(uow, command.link_token, LinkPurpose.VERIFY_EMAIL, now)
        prove_email(uow, link.account_id, now)
        uow.commit()
    return link.account_id


def request_email_verification(
    command: commands.RequestEmailVerification, uow: PledgesUnitOfWork, clock: Clock = utc_now
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
        _mail_link(uow, account.id, LinkPurpose.VERIFY_EMAIL, now)
        uow.commit()
    return account.email


def request_password_reset(
    command: commands.RequestPasswordReset, uow: PledgesUnitOfWork, clock: Clock = utc_now
) -> None:
    """Mail a reset link if the address signed up here; the caller learns nothing either way."""
    now = clock()
    if not isinstance(command.email, str) or len(command.email) > 254:
        return
    with uow:
        credential = uow.accounts.credential(email_key(command.email))
        account = uow.accounts.get(credential.account_id) if credential else None
        if account is None or account.revoked_at is not None:
            return
        recent = uow.accounts.links_since(
            account.id, LinkPurpose.RESET_PASSWORD, now - timedelta(hours=1)
        )
        if recent >= RESETS_PER_HOUR:
            return
        _mail_link(uow, account.id, LinkPurpose.RESET_PASSWORD, now)
        uow.commit()


def reset_password(
    command: commands.ResetPassword,
    uow: PledgesUnitOfWork,
    clock: Clock = utc_now,
    passwords: Passwords | None = None,
) -> uuid.UUID:
    """Set a new password with a reset link (once, within the hour); the address counts as
    proven, since the link reached it. Sessions already issued stay valid until they expire."""
    now = clock()
    with uow:
        link = _find(uow, command.link_token)
        account = uow.accounts.get(link.account_id)
        assert account is not None
        # A bad password is refused before the link is spent: the person may try again.
        password = check_password(command.password, name=account.name, email=account.email or "")
        link.use(LinkPurpose.RESET_PASSWORD, now)
        uow.accounts.save_link_use(link)
        uow.accounts.set_password(
            account.id, (passwords or default_passwords()).hash(password), now
        )
        prove_email(uow, account.id, now)
        uow.accounts.forget_failures(email_key=email_key(account.email or ""))
        uow.commit()
    return account.id


# --- one-time links -------------------------------------------------------------------------
# A link token is base64url(link id ‖ 32 random bytes): the id finds the row, the secret is
# checked against its SHA-256 (a leaked database holds no usable link).


def _mail_link(
    uow: PledgesUnitOfWork, account_id: uuid.UUID, purpose: LinkPurpose, now: datetime
) -> None:
    secret = secrets.token_bytes(SECRET_BYTES)
    link = AccountLink(
        id=uuid.uuid4(),
        account_id=account_id,
        purpose=purpose,
        secret_hash=hashlib.sha256(secret).hexdigest(),
        created_at=now,
        expires_at=now + LINK_LIFETIMES[purpose],
    )
    uow.accounts.add_link(link)
    token = base64.urlsafe_b64encode(link.id.bytes + secret).rstrip(b"=").decode()
    uow.publish(ACCOUNT_TOPIC, verification_requested(link, token))


def _find(uow: PledgesUnitOfWork, token: str) -> AccountLink:
    """The link `token` names, if its secret is right; anything else is one refusal."""
    invalid = InvalidLink("this link is not valid: it may have been cut or changed")
    if not isinstance(token, str) or len(token) > 100:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise invalid from None
    if len(raw) != 16 + SECRET_BYTES:
        raise invalid
    link = uow.accounts.get_link(uuid.UUID(bytes=raw[:16]))
    digest = hashlib.sha256(raw[16:]).hexdigest()
    if link is None or not hmac.compare_digest(digest, link.secret_hash):
        raise invalid
    return link


def _spend(uow: PledgesUnitOfWork, token: str, purpose: LinkPurpose, now: datetime) -> AccountLink:
    link = _find(uow, token)
    link.use(purpose, now)
    uow.accounts.save_link_use(link)
    return link
