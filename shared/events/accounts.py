"""Payloads on `accounts.events`: accounts are owned by the pledges service."""

import marshmallow as ma

from shared.events.envelope import Payload, event_schema
from shared.languages import DEFAULT_LANGUAGE, LANGUAGES

ROLES = ("creator", "backer", "auditor", "admin")


@event_schema("account.created")
class AccountCreated(Payload):
    account_id = ma.fields.UUID(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    #: For notifications; None when the account gave no address.
    email = ma.fields.Email(required=True, allow_none=True)
    #: What its mails are written in. Added with issue 16: accounts made before read as English.
    language = ma.fields.String(
        load_default=DEFAULT_LANGUAGE, validate=ma.validate.OneOf(LANGUAGES)
    )


@event_schema("account.language_changed")
class AccountLanguageChanged(Payload):
    """The account chose another language for its mails and pages."""

    account_id = ma.fields.UUID(required=True)
    language = ma.fields.String(required=True, validate=ma.validate.OneOf(LANGUAGES))


@event_schema("account.revoked")
class AccountRevoked(Payload):
    account_id = ma.fields.UUID(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=500))


@event_schema("token.revoked")
class TokenRevoked(Payload):
    """One token refused from now on; the account's other tokens still work."""

    #: The token's `jti`.
    token_id = ma.fields.UUID(required=True)
    account_id = ma.fields.UUID(required=True)
    #: When the token would have expired anyway: after it, a service may forget the revocation.
    expires_at = ma.fields.AwareDateTime(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(max=500))


LINK_PURPOSES = ("verify_email", "reset_password")


@event_schema("account.verification_requested")
class AccountVerificationRequestedV1(Payload):
    """Version 1 carried the link's bearer secret in clear: still read, no longer written."""

    account_id = ma.fields.UUID(required=True)
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(LINK_PURPOSES))
    token_id = ma.fields.UUID(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    link_token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


@event_schema("account.verification_requested", version=2)
class AccountVerificationRequested(Payload):
    """Mail the account a one-time link: prove its address, or set a new password.

    Never the address (the updates service has it from `account.created`) nor the password.
    The link's bearer secret travels sealed for the updates service alone (`shared/sealing.py`,
    bound to `token_id`): the outbox, Kafka and the mail queue hold no usable link.
    """

    account_id = ma.fields.UUID(required=True)
    purpose = ma.fields.String(required=True, validate=ma.validate.OneOf(LINK_PURPOSES))
    token_id = ma.fields.UUID(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    sealed_link_token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


#: What an owner may be told of (`account.notice_requested`'s `kind`).
NOTICE_KINDS = ("sign_up_attempted", "sign_in_failures")


@event_schema("account.notice_requested")
class AccountNoticeRequested(Payload):
    """Tell the account's owner by mail of something done with their address: someone tried
    to sign up with it, or wrong passwords are being typed for it. At most one of each kind
    per account a day; never who did it, nor what they typed."""

    account_id = ma.fields.UUID(required=True)
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(NOTICE_KINDS))


@event_schema("account.email_verified")
class AccountEmailVerified(Payload):
    """The account's address is proven: its link was followed (or a reset link reached it), or
    an operator vouched for it. The updates service mails update news only to such addresses.
    Never the address itself: the updates service has it from `account.created`."""

    account_id = ma.fields.UUID(required=True)
