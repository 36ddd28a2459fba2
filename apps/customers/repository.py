"""The row of the state-stored Customer aggregate: the kernel's `StateStoredRepository` loads it
(row locked), saves it and dispatches the domain events the customer recorded in the same
transaction; this module maps the row to the aggregate."""

from __future__ import annotations

import uuid
from typing import Any

from mallbots.kernel.uow import StateStoredRepository

from . import models
from .domain import Customer, CustomerNotFound


def _is_uuid(customer_id: str) -> bool:
    try:
        uuid.UUID(str(customer_id))
    except ValueError:
        return False
    return True


class CustomerRepository(StateStoredRepository[Customer]):
    model = models.Customer
    stream_type = Customer.stream_type
    not_found = CustomerNotFound

    def find_for_update(self, id: str) -> Customer | None:
        """Customer ids are UUIDs: any other id names no customer."""
        return super().find_for_update(id) if _is_uuid(id) else None

    def save(self, customer: Customer) -> None:
        """An unknown customer (an id a saga named) is not stored: only what it recorded, its
        refusal, is dispatched."""
        if not customer.known:
            self.dispatch(customer, version_before=0)
            return
        super().save(customer)

    def to_aggregate(self, row: models.Customer) -> Customer:
        return Customer(str(row.id), row.name, row.sms_number, row.enabled)

    def state(self, customer: Customer) -> dict[str, Any]:
        return {"name": customer.name, "sms_number": customer.sms_number, "enabled": customer.enabled}


customers = CustomerRepository()
