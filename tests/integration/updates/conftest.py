"""Fixtures of the updates tests: a migrated updates app, and a live campaign with a backer."""

from tests.integration.updates.updates_support import app, world

__all__ = ["app", "world"]
