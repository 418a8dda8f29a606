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
    fee. Nothing secret: no key, no account."""
    settings = current_dependencies().payment_settings
    return {
        "provider": settings.provider,
        "moves_money": settings.moves_money,
        "platform_fee_bps": settings.platform_fee_bps,
    }
