"""The fault suite's fixtures: each test's tally line, and a broker of a test's own."""

from tests.faults.fault_support import own_broker, report, running_broker

__all__ = ["own_broker", "report", "running_broker"]
