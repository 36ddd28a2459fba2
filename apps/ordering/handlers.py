"""Consumers of the saga's integration events (docs/saga.md). Subscribed in apps.py on the
`ordering` queue, all in the order group `ordering.orders` (partition key: the order id), so
one order's messages are handled in publication order, across producers.

Each runs one service under the order id as correlation id. A message that finds the order in
a status that no longer allows its step (an approval for an order already rejected, a late
failure for an approved order, a checkout already turned into an order) is an expected outcome
of the saga: it changes nothing and is logged, never turned into a dead letter. A malformed
message (a basket with no items, a blank id) or an unknown order is one.

The saga's step events are cues only for a choreographed order: an orchestrated one's
CreateOrderSaga (saga.py) approves or rejects it from its replies."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from apps.baskets import contracts as baskets
from apps.customers import contracts as customers
from apps.depot import contracts as depot
from apps.payments import contracts as payments
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.messaging.api import Envelope

from . import selectors, services
from .domain import Item, OrderStatusRefused, SagaMode

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _order_step(order_id: str, envelope: Envelope) -> Iterator[None]:
    """Run the block under the order id as correlation id; a refusal of the order's status
    (the service's transaction rolled back) is logged and dropped."""
    try:
        with message_context.use(correlation_id=order_id):
            yield
    except OrderStatusRefused as refused:
        logger.info("%s for order %s changed nothing: %s", envelope.name, order_id, refused.message)


def _cue(order_id: str, envelope: Envelope) -> bool:
    order = selectors.order_find(order_id=order_id)
    if order is not None and order.saga == SagaMode.ORCHESTRATION:
        logger.debug("order %s is orchestrated: %s is not a cue", order_id, envelope.name)
        return False
    return True


def on_baskets_basket_checked_out(event: baskets.BasketCheckedOut, envelope: Envelope) -> None:
    """Saga step 1: the checked-out basket becomes the pending order of the same id."""
    items = [
        Item(
            store_id=item.store_id,
            product_id=item.product_id,
            store_name=item.store_name,
            product_name=item.product_name,
            price=item.price,
            quantity=item.quantity,
        )
        for item in event.items
    ]
    with _order_step(event.id, envelope):
        services.order_create(
            order_id=event.id, customer_id=event.customer_id, payment_id=event.payment_id, items=items
        )


def on_customers_customer_authorization_failed(
    event: customers.CustomerAuthorizationFailed, envelope: Envelope
) -> None:
    if _cue(event.order_id, envelope):
        with _order_step(event.order_id, envelope):
            services.order_reject(order_id=event.order_id, reason=event.reason)


def on_depot_shopping_list_creation_failed(
    event: depot.ShoppingListCreationFailed, envelope: Envelope
) -> None:
    if _cue(event.order_id, envelope):
        with _order_step(event.order_id, envelope):
            services.order_reject(order_id=event.order_id, reason=event.reason)


def on_payments_payment_confirmation_failed(
    event: payments.PaymentConfirmationFailed, envelope: Envelope
) -> None:
    if _cue(event.order_id, envelope):
        with _order_step(event.order_id, envelope):
            services.order_reject(order_id=event.order_id, reason=event.reason)


def on_depot_shopping_list_initiated(event: depot.ShoppingListInitiated, envelope: Envelope) -> None:
    """Saga step 6: the list is available to bots, the order is approved."""
    if _cue(event.order_id, envelope):
        with _order_step(event.order_id, envelope):
            services.order_approve(order_id=event.order_id, shopping_id=event.id)


def on_depot_shopping_list_assigned(event: depot.ShoppingListAssigned, envelope: Envelope) -> None:
    with _order_step(event.order_id, envelope):
        services.order_start(order_id=event.order_id, bot_id=event.bot_id)


def on_depot_shopping_list_completed(event: depot.ShoppingListCompleted, envelope: Envelope) -> None:
    with _order_step(event.order_id, envelope):
        services.order_ready(order_id=event.order_id)


def on_payments_invoice_paid(event: payments.InvoicePaid, envelope: Envelope) -> None:
    with _order_step(event.order_id, envelope):
        services.order_complete(order_id=event.order_id, invoice_id=event.id)
