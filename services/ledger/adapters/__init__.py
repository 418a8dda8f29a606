"""The ledger's adapters: its database tables and repositories."""
