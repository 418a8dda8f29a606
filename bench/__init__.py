"""Fundtrail's benchmarks: plain scripts run by `make bench` / `python -m bench`, never by tests."""
