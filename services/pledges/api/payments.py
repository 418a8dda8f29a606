"""How this installation takes payments: through Stripe, or recorded only (no money moves).

Public, so the site, e-mails and anyone checking a campaign can say plainly which it is.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from services.pledges.bootstrap import current_dependencies
from shared.web.api import Blueprint

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1",
    description="How pledges are paid: the payment provider, whether money moves, the fee",
)


class PaymentsOut(ma.Schema):
    provider = ma.fields.String(
        metadata={
            "enum": ["stripe", "record-only"],
            "description": "`stripe`: cards are charged; `record-only`: a demonstration, "
            "pledges are recorded and no money moves",
        }
    )
    moves_money = ma.fields.Boolean(
        metadata={"description": "False in test mode: nothing is charged, nothing is paid out"}
    )
    platform_fee_bps = ma.fields.Integer(
        metadata={
            "minimum": 0,
            "maximum": 10_000,
            "description": "The platform's fee on each collected pledge, in basis points "
            "(100 = 1 %), rounded down to the currency's minor unit",
        }
    )


@blp.get("/payments")
@blp.response(200, PaymentsOut)
def payments() -> dict[str, Any]:
    """Whether pledges here are charged through Stripe or only recorded, and the platform's
    fee. Nothing secret: no key, no account.

    Asked of the gateway settlement really uses, not of the settings: Stripe keys alone do not
    make money move until settlement charges through Stripe."""
    dependencies = current_dependencies()
    gateway = dependencies.payment_gateway()
    return {
        "provider": gateway.provider,
        "moves_money": gateway.moves_money,
        "platform_fee_bps": dependencies.payment_settings.platform_fee_bps,
    }
