"""The ledger service: the append-only, double-entry, verifiable journal of each campaign."""
