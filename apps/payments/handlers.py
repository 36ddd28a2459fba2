"""Consumers of other contexts' messages, one service call each. Subscribed in apps.py on the
`payments` queue: the customer cache in the order group `payments.customers` (keyed by
customer id), everything about orders in `payments.orders` (keyed by order id): the events,
and the orchestrated saga's commands (docs/saga.md), so one order's messages are handled in
the order they were published, whichever handler each one goes to."""

from __future__ import annotations

import logging

from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.ordering import contracts as ordering
from mallbots.kernel.messaging.api import Envelope

from . import contracts, selectors, services

logger = logging.getLogger(__name__)


def on_customers_customer_registered(event: customers.CustomerRegistered, envelope: Envelope) -> None:
    services.customer_cache_add(customer_id=event.id, name=event.name)


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    """Keeps the order's customer, payment and total for step 4 of the create-order saga."""
    services.order_copy_add(
        order_id=event.id,
        customer_id=event.customer_id,
        payment_id=event.payment_id,
        total=event.total,
        orchestrated=event.orchestrated,
    )


def on_depot_shopping_list_created(event: depot.ShoppingListCreated, envelope: Envelope) -> None:
    """Create-order saga, step 4: confirm the order's payment. An orchestrated order's saga
    sends ConfirmPayment instead."""
    if selectors.order_orchestrated(order_id=event.order_id):
        logger.debug("order %s is orchestrated: %s is not a cue", event.order_id, envelope.name)
        return
    services.payment_confirm_for_order(order_id=event.order_id)


def on_ordering_order_readied(event: ordering.OrderReadied, envelope: Envelope) -> None:
    services.invoice_create(order_id=event.id, amount=event.total)


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    """Compensation: no payment is confirmed for a rejected order; one confirmed already is
    released."""
    services.order_reject(order_id=event.id)


def on_ordering_order_canceled(event: ordering.OrderCanceled, envelope: Envelope) -> None:
    services.order_cancel(order_id=event.id)


# --- The orchestrated create-order saga's commands (group payments.orders) --------------------


def confirm_payment(command: contracts.ConfirmPayment, envelope: Envelope) -> None:
    """Step 4: Succeeded, or (the refusal raised) Failed with its reason."""
    services.payment_confirm(
        order_id=command.order_id,
        customer_id=command.customer_id,
        payment_id=command.payment_id,
        amount=command.amount,
    )


def release_payment(command: contracts.ReleasePayment, envelope: Envelope) -> None:
    """Compensation of step 4: the payment confirmed for the order, if any, released."""
    services.order_reject(order_id=command.order_id)
