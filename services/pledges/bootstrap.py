"""The pledges service's composition root: the one place its real adapters are wired.

`bootstrap()` builds, once per process and from `Settings`, everything the app, the CLI and the
settlement loop use: units of work, the clock, the payment gateway, the token issuer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from services.pledges.adapters.stripe_gateway import StripeGateway
from services.pledges.adapters.stripe_payments import StripePayments
from services.pledges.adapters.tables import TABLES
from services.pledges.domain import PaymentGateway, RecordOnlyGateway
from services.pledges.domain.payment_provider import PaymentProvider
from services.pledges.settings import PaymentSettings, covers_dir
from services.pledges.unit_of_work import PledgesUnitOfWork
from shared.auth import TokenIssuer, load_or_create_signing_key
from shared.bootstrap import Dependencies, core_dependencies
from shared.config import Settings
from shared.picture_store import FileSystemPictureStore, PictureStore
from shared.sealing import LazyLinkSealer, Sealer
from shared.service import ServiceSpec
from shared.web.app import current_dependencies as app_dependencies

SERVICE = ServiceSpec(
    name="pledges",
    port=8001,
    tables=TABLES,
    uow_class=PledgesUnitOfWork,
    # Pledges owns the accounts; it consumes nothing and only relays its outbox.
    topics=(),
    handlers={},
    app_factory="services.pledges.app:create_app()",
)


@dataclass(frozen=True, kw_only=True)
class PledgesDependencies(Dependencies):
    uow_factory: Callable[[], PledgesUnitOfWork]
    #: A fresh gateway per operation: Stripe's when STRIPE_SECRET_KEY is set (handlers bind it
    #: to the campaign they hold, `handlers.common.gateway_for`), record-only otherwise.
    payment_gateway: Callable[[], PaymentGateway]
    #: Signs API tokens; only this service holds the private key.
    token_issuer: TokenIssuer
    #: Seals mailed link tokens for the updates service, with its public key only.
    link_sealer: Sealer
    #: Who moves the money (Stripe or no one), its fee and the backers' grace period.
    payment_settings: PaymentSettings = PaymentSettings()
    #: Stripe when STRIPE_SECRET_KEY is set; None when pledges are only recorded.
    payments: PaymentProvider | None = None
    #: Campaigns' cover pictures, every published width, by the picture's SHA-256.
    covers: PictureStore | None = None


def bootstrap(
    settings_overrides: dict[str, Any] | None = None, **replacements: Any
) -> PledgesDependencies:
    """The pledges service's dependencies; `replacements` swap any of them (tests: a clock)."""
    settings = Settings.load(SERVICE.name, settings_overrides)
    # First: a nonsense payment setting stops start-up before anything is opened.
    payment_settings = PaymentSettings.load(settings)
    core = core_dependencies(SERVICE, settings)
    payments = StripePayments.from_settings(payment_settings)
    dependencies = PledgesDependencies(
        **core,
        payment_gateway=_gateway_factory(payments, payment_settings),
        token_issuer=TokenIssuer(
            load_or_create_signing_key(settings.token_signing_key_file), settings.token_lifetime
        ),
        link_sealer=LazyLinkSealer(settings.link_public_key, settings.link_public_key_path),
        payment_settings=payment_settings,
        payments=payments,
        covers=FileSystemPictureStore(covers_dir(settings)),
    )
    return dataclasses.replace(dependencies, **replacements) if replacements else dependencies


def _gateway_factory(
    payments: PaymentProvider | None, settings: PaymentSettings
) -> Callable[[], PaymentGateway]:
    """Stripe's gateway when a key is set (money moves), the record-only one otherwise."""
    if payments is None:
        return RecordOnlyGateway
    return lambda: StripeGateway(payments, platform_fee_bps=settings.platform_fee_bps)


def current_dependencies() -> PledgesDependencies:
    """The pledges service's dependencies, as the app serving this request was built with: the one
    way its routes and pages reach them. Read per request, so a test that swaps the app's
    dependencies (a clock standing after a deadline) is seen by the next request."""
    return cast(PledgesDependencies, app_dependencies())
