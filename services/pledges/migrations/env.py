"""Alembic environment of the pledges service."""

from services.pledges.adapters.tables import metadata
from shared.migrations import run_migrations

run_migrations(metadata)
