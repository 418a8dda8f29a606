"""The Kafka topics Fundtrail's services talk through, and their dead-letter twins."""

ACCOUNTS = "accounts.events"
PLEDGES = "pledges.events"
LEDGER = "ledger.events"
UPDATES = "updates.events"

EVENT_TOPICS = (ACCOUNTS, PLEDGES, LEDGER, UPDATES)


def dead_letter_topic(topic: str) -> str:
    """The topic where a poison message from `topic` is parked with its error."""
    return f"{topic}.dlq"


ALL_TOPICS = EVENT_TOPICS + tuple(dead_letter_topic(t) for t in EVENT_TOPICS)
