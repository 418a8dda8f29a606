"""The ledger's domain: rules and pure computations, free of Flask, SQLAlchemy and Kafka."""
