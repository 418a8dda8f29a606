"""Blank the clear link tokens that sent `account.verification_requested` v1 rows still hold.

Version 2 seals the token for the updates service; rows relayed before it kept the bearer
secret in clear for ever. A sent row is never read again, so its token is replaced by a mark
(the v1 schema wants a non-empty string). Unsent rows are left: the relay must still send them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCRUBBED = "scrubbed"
_outbox = sa.table(
    "outbox",
    sa.column("id", sa.BigInteger),
    sa.column("topic", sa.String),
    sa.column("value", sa.LargeBinary),
    sa.column("sent_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_outbox.c.id, _outbox.c.value).where(
            _outbox.c.topic == "accounts.events", _outbox.c.sent_at.is_not(None)
        )
    )
    for row_id, value in rows.all():
        event = json.loads(value)
        payload = event.get("payload") or {}
        if event.get("type") != "account.verification_requested" or event.get("version") != 1:
            continue
        if payload.get("link_token") in (None, SCRUBBED):
            continue
        payload["link_token"] = SCRUBBED
        connection.execute(
            _outbox.update()
            .where(_outbox.c.id == row_id)
            .values(value=json.dumps(event, separators=(",", ":"), sort_keys=True).encode())
        )


def downgrade() -> None:
    """Nothing to restore: the secrets are gone, as intended."""
