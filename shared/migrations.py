"""Alembic, once for all services: each service keeps its own migrations folder and database."""

from __future__ import annotations

import importlib.resources

import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config

from shared.db import PLUMBING_TABLES, make_engine


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    location = importlib.resources.files(f"services.{service}") / "migrations"
    config.set_main_option("script_location", str(location))
    # Passed as an attribute, not an option: configparser would mangle a '%' in a password.
    config.attributes["database_url"] = database_url
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    """Bring `service`'s database to `revision` (creating it on first run)."""
    command.upgrade(alembic_config(service, database_url), revision)


def run_migrations(target_metadata: sa.MetaData) -> None:
    """The body of every service's `migrations/env.py` (online mode only)."""
    url: str = context.config.attributes["database_url"]
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def create_plumbing_tables_v1() -> None:
    """Create the outbox, processed-events and revoked-accounts tables in a first migration.

    Frozen with the migrations that call it: a later change to these tables gets a function
    of its own, called from a new migration in each service.
    """
    for name in ("outbox", "processed_events", "revoked_accounts"):
        op.create_table(name, *PLUMBING_TABLES[name]())


def create_revoked_tokens_table() -> None:
    """Add the revoked-tokens table (single tokens refused by id), in each service's migration."""
    op.create_table("revoked_tokens", *PLUMBING_TABLES["revoked_tokens"]())
