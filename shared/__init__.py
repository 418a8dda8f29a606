"""What Fundtrail's three services share: event schemas, Kafka and database plumbing, tokens."""
