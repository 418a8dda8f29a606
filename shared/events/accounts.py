"""Payloads on `accounts.events`: accounts are owned by the pledges service."""

import marshmallow as ma

from shared.events.envelope import Payload, event_schema

ROLES = ("creator", "backer", "auditor", "admin")


@event_schema("account.created")
class AccountCreated(Payload):
    account_id = ma.fields.UUID(required=True)
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(ROLES))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    #: For notifications; None when the account gave no address.
    email = ma.fields.Email(required=True, allow_none=True)


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


@event_schema("account.verification_requested")
class AccountVerificationRequested(Payload):
    """Mail the account a one-time link: prove its address, or set a new password.

    Never the address (the updates service has it from `account.created`) nor the password.
    `link_token` is the link's bearer secret: the updates service must put it in the mail, and
    the pledges service keeps only its hash; see services/pledges/README.md for why it travels
    on the internal bus.
    """

    account_id = ma.fields.UUID(required=True)
    purpose = ma.fields.String(
        required=True, validate=ma.validate.OneOf(("verify_email", "reset_password"))
    )
    token_id = ma.fields.UUID(required=True)
    expires_at = ma.fields.AwareDateTime(required=True)
    link_token = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


@event_schema("account.email_verified")
class AccountEmailVerified(Payload):
    """The account's address is proven: its link was followed (or a reset link reached it), or
    an operator vouched for it. The updates service mails update news only to such addresses.
    Never the address itself: the updates service has it from `account.created`."""

    account_id = ma.fields.UUID(required=True)
