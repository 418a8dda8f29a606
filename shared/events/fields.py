"""Field types that recur across event payloads."""

from typing import Any

import marshmallow as ma

from shared.money import MAX_AMOUNT, is_currency


def _iso_4217(value: str) -> None:
    if not is_currency(value):
        raise ma.ValidationError("not an ISO 4217 currency code")


def amount(**kwargs: Any) -> ma.fields.Integer:
    """Integer minor units, never a float; zero allowed (a tier may be free)."""
    return ma.fields.Integer(
        strict=True, validate=ma.validate.Range(min=0, max=MAX_AMOUNT), **kwargs
    )


def currency(**kwargs: Any) -> ma.fields.String:
    """An ISO 4217 code such as EUR."""
    return ma.fields.String(validate=_iso_4217, **kwargs)
