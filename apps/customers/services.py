"""Customer commands: one transaction each; load (row locked), one aggregate method, save."""

from __future__ import annotations

import uuid

from mallbots.kernel.uow import command

from .domain import Customer
from .repository import customers


@command
def customer_register(*, name: str, sms_number: str) -> str:
    """Registers an enabled customer; returns the new customer's id."""
    customer = Customer.register(str(uuid.uuid4()), name, sms_number)
    customers.add(customer)
    return customer.id


@command
def customer_change_sms_number(*, customer_id: str, sms_number: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.change_sms_number(sms_number)
    customers.save(customer)


@command
def customer_enable(*, customer_id: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.enable()
    customers.save(customer)


@command
def customer_disable(*, customer_id: str) -> None:
    customer = customers.get_for_update(customer_id)
    customer.disable()
    customers.save(customer)


@command
def customer_authorize(*, customer_id: str, order_id: str = "") -> None:
    """Succeeds for an enabled customer; raises CustomerNotAuthorized (unauthenticated) for a
    disabled one and CustomerNotFound for an unknown id. The row lock orders it with a
    concurrent disable: an authorization never reads a state a committed disable replaced.
    With an order id (the orchestrated create-order saga), publishes CustomerAuthorized."""
    customer = customers.get_for_update(customer_id)
    customer.authorize(order_id=order_id)
    customers.save(customer)


@command
def customer_authorize_order(*, customer_id: str, order_id: str) -> None:
    """Create-order saga, step 2 (docs/saga.md): the customer is authorized for the order
    (published as CustomerAuthorized) or refuses it with the reason, unknown or disabled
    (published as CustomerAuthorizationFailed). A refusal is an outcome of the saga, not an
    error of this command."""
    customer = customers.find_for_update(customer_id) or Customer.unknown(customer_id)
    customer.authorize_order(order_id)
    customers.save(customer)
