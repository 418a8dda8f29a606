"""The updates service's adapters: its database tables and repositories."""
