"""Loads and saves the state-stored Customer aggregate, and dispatches the domain events it
recorded in the same transaction (the kernel's `dispatch_events`)."""

from __future__ import annotations

import uuid

from django.db.models import F
from django.db.models.functions import Now

from mallbots.kernel.uow import dispatch_events

from . import models
from .domain import Customer, CustomerNotFound


def _uuid(customer_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(customer_id))
    except ValueError:
        return None


class CustomerRepository:
    def get_for_update(self, customer_id: str) -> Customer:
        """The customer, its row locked until the transaction ends (so only inside one), so that
        concurrent commands on one customer run one after the other, each on the state the
        previous one left."""
        key = _uuid(customer_id)
        row = models.Customer.objects.select_for_update().filter(pk=key).first() if key else None
        if row is None:
            raise CustomerNotFound()
        customer = Customer(str(row.id), row.name, row.sms_number, row.enabled)
        customer.version = row.version
        return customer

    def add(self, customer: Customer) -> None:
        """Insert a new customer, then dispatch its events."""
        models.Customer.objects.create(
            id=customer.id,
            name=customer.name,
            sms_number=customer.sms_number,
            enabled=customer.enabled,
            version=1,
        )
        self._dispatch(customer, version_before=0)
        customer.version = 1

    def save(self, customer: Customer) -> None:
        """Write the customer back when its state changed (bumping the version), then dispatch
        its events. A command that only records (authorize) leaves the row untouched."""
        state = {"name": customer.name, "sms_number": customer.sms_number, "enabled": customer.enabled}
        version_before = customer.version
        changed = (
            models.Customer.objects.filter(pk=customer.id)
            .exclude(**state)
            .update(**state, version=F("version") + 1, updated_at=Now())
        )
        self._dispatch(customer, version_before=version_before)
        customer.version = version_before + changed

    def _dispatch(self, customer: Customer, *, version_before: int) -> None:
        events = customer.pending_events
        customer.clear_events()
        if events:
            dispatch_events(Customer.stream_type, customer.id, version_before, events)


customers = CustomerRepository()
