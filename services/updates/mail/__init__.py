"""E-mail notifications of updates: messages, transports, unsubscribe tokens and the sender."""
