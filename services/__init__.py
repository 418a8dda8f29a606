"""Fundtrail services."""
