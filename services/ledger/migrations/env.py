"""Alembic environment of the ledger service."""

from services.ledger.adapters.tables import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
