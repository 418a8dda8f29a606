"""Flask plumbing every service shares: the app skeleton, problem+json errors, tokens, health."""
