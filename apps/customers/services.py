"""Customer commands: one transaction each; load (row locked), one aggregate method, save."""

from __future__ import annotations

import uuid

from django.db import transaction

from mallbots.kernel.messaging.api import publish

from . import contracts
from .domain import Customer, CustomerNotAuthorized, CustomerNotFound
from .repository import customers


@transaction.atomic
def customer_register(*, name: str, sms_number: str) -> str:
    """Registers an enabled customer; returns the new customer's id."""
    customer = Customer.register(str(uuid.uuid4()), name, sms_number)
    customers.add(customer)
    return customer.id


@transaction.atomic
def customer_change_sms_number(*, customer_id: str, sms_number: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.change_sms_number(sms_number)
    customers.save(customer)


@transaction.atomic
def customer_enable(*, customer_id: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.enable()
    customers.save(customer)


@transaction.atomic
def customer_disable(*, customer_id: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.disable()
    customers.save(customer)


@transaction.atomic
def customer_authorize(*, customer_id: str, order_id: str = "") -> None:
    """Succeeds for an enabled customer; raises CustomerNotAuthorized (unauthenticated) for a
    disabled one and CustomerNotFound for an unknown id. The row lock orders it with a
    concurrent disable: an authorization never reads a state a committed disable replaced.
    With an order id (the orchestrated create-order saga), publishes CustomerAuthorized."""
    customer = customers.get_for_update(customer_id)
    customer.authorize(order_id=order_id)
    customers.save(customer)


@transaction.atomic
def customer_authorize_order(*, customer_id: str, order_id: str) -> None:
    """Create-order saga, step 2 (docs/saga.md): publishes CustomerAuthorized for an enabled
    customer, or CustomerAuthorizationFailed with the reason. A refusal is an outcome of the
    saga, not an error of this command."""
    try:
        customer = customers.get_for_update(customer_id)
        customer.authorize(order_id=order_id)
        customers.save(customer)
    except (CustomerNotFound, CustomerNotAuthorized) as refusal:
        publish(
            contracts.CustomerAuthorizationFailed(id=customer_id, order_id=order_id, reason=refusal.message)
        )
