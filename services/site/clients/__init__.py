"""The site's clients of the three services: one typed client each, so each API path is
written once, over one HTTP transport (`http.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy

import requests

from services.site.clients.http import ApiError, ServiceClient, ServiceUnavailable
from services.site.clients.ledger import LedgerClient
from services.site.clients.pledges import PledgesClient
from services.site.clients.updates import UpdatesClient

__all__ = [
    "ApiError",
    "LedgerClient",
    "PledgesClient",
    "ServiceClient",
    "ServiceUnavailable",
    "Services",
    "UpdatesClient",
]


@dataclass(frozen=True)
class Services:
    """The three services, as the site talks to them."""

    pledges: PledgesClient
    ledger: LedgerClient
    updates: UpdatesClient

    @classmethod
    def connect(cls, pledges: str, ledger: str, updates: str, timeout: float) -> Services:
        # One connection pool for the process; requests' Session is safe for this use across
        # gunicorn's threads (no cookies are kept: the token goes in each call's header).
        session = requests.Session()
        session.trust_env = False
        # Never keep a cookie a service might set: it would be shared by every visitor.
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        return cls(
            PledgesClient("pledges", pledges, session, timeout),
            LedgerClient("ledger", ledger, session, timeout),
            UpdatesClient("updates", updates, session, timeout),
        )
