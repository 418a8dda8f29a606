"""What the console says about a creator's payouts: test mode, or the payout account's state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from services.site.clients.pledges import PledgesClient
from services.site.limits import published


@dataclass(frozen=True)
class PayoutView:
    """The console's payouts section: what to say and which button to show."""

    #: False in test mode: no money moves, no payout account is needed.
    moves_money: bool
    #: The payout account as the pledges service answers it; None before set-up starts.
    account: dict[str, Any] | None = None

    @property
    def ready(self) -> bool:
        """The account can take charges: campaigns may launch."""
        return bool(self.account and self.account.get("charges_enabled"))

    @property
    def complete(self) -> bool:
        """Nothing is left to do: details in, charges and payouts on."""
        account = self.account or {}
        return all(
            account.get(k) for k in ("details_submitted", "charges_enabled", "payouts_enabled")
        )

    @property
    def button(self) -> str:
        if self.account is None:
            return _("Set up payouts")
        return _("Update payout details") if self.complete else _("Finish setting up payouts")


def payout_view(pledges: PledgesClient, token: str) -> PayoutView:
    """Whether money moves (the answer the banner reads too, kept a minute) and, if it does,
    the payout account as the pledges service answers it."""
    if not published().money_moves():
        return PayoutView(moves_money=False)
    return PayoutView(moves_money=True, account=pledges.payout_account(token=token))
