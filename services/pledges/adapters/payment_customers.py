"""Backers' customers at the payment provider: one per account, made once and kept."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.pledges.adapters.tables import payment_customers
from shared.db import is_postgresql


class PaymentCustomerRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def of(self, account_id: uuid.UUID) -> str | None:
        """The account's customer id at the provider, if one was made."""
        return self._connection.execute(
            sa.select(payment_customers.c.customer_id).where(
                payment_customers.c.account_id == account_id
            )
        ).scalar_one_or_none()

    def add(self, account_id: uuid.UUID, customer_id: str, now: datetime) -> None:
        """Keep the account's customer, unless one is kept already: two first cards at once
        both asked Stripe with the account's key, so both got the same customer."""
        dialect = postgresql if is_postgresql(self._connection) else sqlite
        self._connection.execute(
            dialect.insert(payment_customers)
            .values(account_id=account_id, customer_id=customer_id, created_at=now)
            .on_conflict_do_nothing(index_elements=[payment_customers.c.account_id])
        )
