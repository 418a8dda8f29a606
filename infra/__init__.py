"""Fundtrail infra."""
