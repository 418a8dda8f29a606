"""The pledges service's adapters: database tables, repositories and the wire form of events."""
