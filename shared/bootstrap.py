"""The base of every service's composition root, and how handlers get their dependencies.

Each service's `bootstrap.py` builds one typed `Dependencies` object, once per process and from
`Settings`: the app factory, the worker and the CLI all take it, and tests build it with fakes
where they need them. Handlers name what they need as parameters after `(message, uow)`;
`inject_dependencies` binds those names to the object's fields (cosmicpython's bootstrap).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shared.auth import (
    CLOCK_LEEWAY,
    TokenVerifier,
    load_or_create_signing_key,
    load_public_key,
)
from shared.clock import Clock, utc_now
from shared.config import Settings
from shared.db import UnitOfWork, make_engine
from shared.revocations import RevocationCache
from shared.service import ServiceSpec

#: A consumed event's handler once its dependencies are bound: `(event, uow)`.
EventHandler = Callable[[Any, UnitOfWork], None]


@dataclass(frozen=True)
class BackgroundJob:
    """Work a service's worker runs every `every` seconds, in a thread of its own beside the
    relay and the consumer (so slow work, like rendering a report, never holds up events)."""

    name: str
    every: float
    run: Callable[[], object]


@dataclass(frozen=True, kw_only=True)
class Dependencies:
    """What every service process is built from; each service's subclass adds its adapters."""

    #: What the service is: name, port, tables, topics and event handlers.
    spec: ServiceSpec
    settings: Settings
    engine: Engine
    #: A new unit of work (one transaction) on this service's database per call.
    uow_factory: Callable[[], UnitOfWork]
    clock: Clock
    #: Checks bearer tokens locally, revocations included.
    token_verifier: TokenVerifier

    @property
    def tables(self) -> dict[str, sa.Table]:
        return self.spec.tables

    def background_jobs(self) -> tuple[BackgroundJob, ...]:
        """The periodic jobs of the service's worker; none unless a service names some."""
        return ()

    def event_handlers(self) -> dict[str, EventHandler]:
        """The service's event handlers with their dependencies bound, for the consumer."""
        available = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return {
            event_type: inject_dependencies(handler, available)
            for event_type, handler in self.spec.handlers.items()
        }


def inject_dependencies(
    handler: Callable[..., Any], dependencies: Mapping[str, Any]
) -> Callable[..., Any]:
    """`handler` with every parameter after its first two bound by name to a dependency.

    A parameter with no dependency of its name and no default is a wiring mistake, raised at
    start-up rather than at the first event.
    """
    parameters = list(inspect.signature(handler).parameters.values())[2:]
    bound = {p.name: dependencies[p.name] for p in parameters if p.name in dependencies}
    missing = [
        p.name for p in parameters if p.name not in bound and p.default is inspect.Parameter.empty
    ]
    if missing:
        raise TypeError(f"{handler.__qualname__} needs {missing}, which nothing provides")
    return functools.partial(handler, **bound)


def token_verifier(settings: Settings, engine: Engine, revoked: sa.Table) -> TokenVerifier:
    """The service's token checker; `revoked` is its revoked-accounts table.

    Only the pledges service, the issuer, holds the private key (and writes its public half to
    `settings.public_key_file` for the others on this machine). The ledger and updates read the
    public key only, from FUNDTRAIL_TOKEN_PUBLIC_KEY or that file, and refuse to start without
    one (MissingPublicKey): creating a key of their own would let them mint tokens, and would
    make them refuse every real token with a 401 that hides the misconfiguration.
    """
    if settings.service == "pledges":
        signing_key = load_or_create_signing_key(
            settings.token_signing_key_file, settings.public_key_file
        )
        public_key = signing_key.public_key()
    else:
        public_key = load_public_key(settings.token_public_key, settings.public_key_file)
    # The revoked-tokens table sits beside `revoked` in the same metadata (shared/db.py).
    revocations = RevocationCache(
        engine,
        revoked,
        revoked.metadata.tables["revoked_tokens"],
        refresh=settings.revocation_refresh,
        leeway=CLOCK_LEEWAY,
    )
    return TokenVerifier(
        public_key, revocations.is_account_revoked, revocations.is_token_revoked, CLOCK_LEEWAY
    )


def core_dependencies(spec: ServiceSpec, settings: Settings) -> dict[str, Any]:
    """The fields of `Dependencies` every service builds the same way, as keyword arguments."""
    engine = make_engine(settings.database_url)
    return {
        "spec": spec,
        "settings": settings,
        "engine": engine,
        "uow_factory": functools.partial(spec.uow_class, engine, spec.tables, spec.name),
        "clock": utc_now,
        "token_verifier": token_verifier(settings, engine, spec.tables["revoked_accounts"]),
    }
