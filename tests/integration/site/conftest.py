"""Fixtures of the site's tests: the three services on real databases and sockets, the site."""

from tests.integration.site.site_support import database_urls, stack

__all__ = ["database_urls", "stack"]
