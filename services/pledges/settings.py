"""The pledges service's own settings: the payment provider (Stripe), its fee and grace period.

Defaults, then environment variables, then `Settings.extra` (a test's overrides); nothing is
read at import time. Secrets are kept out of `repr`, so a logged settings object shows none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from environs import Env

from services.pledges.domain.fees import BPS_DENOMINATOR
from shared.auth import parse_duration
from shared.config import Settings

DEFAULT_PAYMENT_GRACE = "7d"
#: The site for people, as `make run` serves it; the updates service reads the same setting.
DEFAULT_SITE_URL = "http://127.0.0.1:8000"
#: A backer needs at least an hour to read the mail and fix a card ...
MIN_PAYMENT_GRACE = timedelta(hours=1)
#: ... and a creator should not wait more than a season for an answer.
MAX_PAYMENT_GRACE = timedelta(days=90)


@dataclass(frozen=True)
class PaymentSettings:
    """How pledges are paid: through Stripe when a secret key is set, recorded only otherwise."""

    #: Stripe's secret API key (`sk_live_…`, `sk_test_…`); empty means record-only.
    stripe_secret_key: str = field(default="", repr=False)
    #: The signing secret of the webhook endpoint (`whsec_…`).
    stripe_webhook_secret: str = field(default="", repr=False)
    #: Where Stripe's API is reached; set only to point at a mock (stripe-mock).
    stripe_api_base: str = ""
    #: The platform's fee, in basis points (1/100 of a percent) of each collected pledge.
    platform_fee_bps: int = 0
    #: How long a backer has to fix a failed payment before the pledge drops.
    payment_grace: timedelta = timedelta(days=7)
    #: The site for people (`SITE_PUBLIC_URL`): the provider sends creators back to its console
    #: once they have set up (or left) their payout account.
    site_url: str = DEFAULT_SITE_URL

    @property
    def provider(self) -> str:
        """`stripe` when money really moves, `record-only` otherwise."""
        return "stripe" if self.stripe_secret_key else "record-only"

    @property
    def moves_money(self) -> bool:
        return bool(self.stripe_secret_key)

    @classmethod
    def load(cls, settings: Settings) -> PaymentSettings:
        """Read the environment, then `settings.extra`; refuse values that make no sense."""
        env = Env()
        values: dict[str, Any] = {
            "stripe_secret_key": env.str("STRIPE_SECRET_KEY", ""),
            "stripe_webhook_secret": env.str("STRIPE_WEBHOOK_SECRET", ""),
            "stripe_api_base": env.str("STRIPE_API_BASE", ""),
            "platform_fee_bps": env.str("FUNDTRAIL_PLATFORM_FEE_BPS", "0"),
            "payment_grace": env.str("FUNDTRAIL_PAYMENT_GRACE", DEFAULT_PAYMENT_GRACE),
            "site_url": env.str("SITE_PUBLIC_URL", DEFAULT_SITE_URL),
        }
        values.update({k: v for k, v in settings.extra.items() if k in values})
        values["stripe_secret_key"] = str(values["stripe_secret_key"]).strip()
        values["stripe_webhook_secret"] = str(values["stripe_webhook_secret"]).strip()
        values["stripe_api_base"] = str(values["stripe_api_base"]).strip().rstrip("/")
        values["site_url"] = str(values["site_url"]).strip().rstrip("/")
        values["platform_fee_bps"] = _whole_number(
            "FUNDTRAIL_PLATFORM_FEE_BPS", values["platform_fee_bps"], 0, BPS_DENOMINATOR
        )
        values["payment_grace"] = _grace(values["payment_grace"])
        values["site_url"] = str(values["site_url"]).strip().rstrip("/")
        loaded = cls(**values)
        loaded._check()
        return loaded

    def _check(self) -> None:
        if not self.site_url.startswith(("http://", "https://")):
            raise ValueError("SITE_PUBLIC_URL must be an http:// or https:// URL")
        if self.stripe_api_base and not self.stripe_api_base.startswith(("http://", "https://")):
            raise ValueError("STRIPE_API_BASE must be an http:// or https:// URL")
        if self.stripe_secret_key and not self.stripe_secret_key.startswith(("sk_", "rk_")):
            # Never echo the value: it may be a real secret pasted in the wrong place.
            raise ValueError(
                "STRIPE_SECRET_KEY must be a secret or restricted key (sk_… or rk_…), "
                "not a publishable key or another secret"
            )
        # Payment results arrive only by webhook: one secret without the other is a half-done
        # set-up that would charge cards and never learn the outcome (or verify for nothing).
        if bool(self.stripe_webhook_secret) != bool(self.stripe_secret_key):
            raise ValueError(
                "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET go together: set both (Stripe) "
                "or neither (record-only, no money moves)"
            )
        if self.stripe_webhook_secret and not self.stripe_webhook_secret.startswith("whsec_"):
            raise ValueError("STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_…)")


def covers_dir(settings: Settings) -> Path:
    """Where cover pictures are stored (`PLEDGES_COVERS_DIR`, default `<var>/covers`)."""
    if "covers_dir" in settings.extra:
        return Path(settings.extra["covers_dir"]).absolute()
    return Env().path("PLEDGES_COVERS_DIR", settings.var_dir / "covers").absolute()


def _whole_number(name: str, value: object, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _grace(value: object) -> timedelta:
    if isinstance(value, timedelta):
        grace = value
    else:
        try:
            grace = parse_duration(str(value))
        except ValueError as exc:
            raise ValueError(f"FUNDTRAIL_PAYMENT_GRACE: {exc}") from None
    if not MIN_PAYMENT_GRACE <= grace <= MAX_PAYMENT_GRACE:
        raise ValueError(
            "FUNDTRAIL_PAYMENT_GRACE must be between 1h and 90d (a backer needs time to fix "
            f"a card; a creator should not wait for ever), not {value!r}"
        )
    return grace
