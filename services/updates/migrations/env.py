"""Alembic environment of the updates service."""

from services.updates.adapters.tables import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
