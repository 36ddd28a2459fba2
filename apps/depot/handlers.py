"""Consumers of other contexts' messages, on the `depot` queue (apps.py): the depot's steps of
the create-order saga and its compensations (docs/saga.md), as reactions to events
(choreography) or as the handlers of the saga's commands (orchestration), all in the order
group `depot.orders` keyed by order id; and the stores caches, in `depot.stores` and
`depot.products`. One service call each; each handler runs under the message's correlation id
(the order id for order messages)."""

from __future__ import annotations

import logging

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from apps.payments import contracts as payments
from apps.stores import contracts as stores
from mallbots.kernel.messaging.api import Envelope, Failed, Reply

from . import contracts, selectors, services
from .domain import OrderLine
from .models import OrderCopy

logger = logging.getLogger(__name__)


def _orchestrated(order_id: str, envelope: Envelope) -> bool:
    """An orchestrated order's steps come as commands: its events are facts, not cues."""
    if selectors.order_orchestrated(order_id=order_id):
        logger.debug("order %s is orchestrated: %s is not a cue", order_id, envelope.name)
        return True
    return False


# --- The create-order saga (group depot.orders) -----------------------------------------------


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    """Keeps the order's items for step 3, which CustomerAuthorized triggers (choreography),
    and how its saga runs."""
    services.order_copy_save(
        order_id=event.id,
        orchestrated=event.orchestrated,
        items=[
            OrderLine(
                product_id=item.product_id,
                store_id=item.store_id,
                quantity=item.quantity,
                product_name=item.product_name,
            )
            for item in event.items
        ],
    )


def on_customers_customer_authorized(event: customers.CustomerAuthorized, envelope: Envelope) -> None:
    """Step 3: the order's shopping list (ShoppingListCreated or ShoppingListCreationFailed)."""
    if not _orchestrated(event.order_id, envelope):
        services.shopping_list_create_for_order(order_id=event.order_id)


def on_payments_payment_confirmed(event: payments.PaymentConfirmed, envelope: Envelope) -> None:
    """Step 5: the list becomes available to bots (ShoppingListInitiated)."""
    if not _orchestrated(event.order_id, envelope):
        services.shopping_list_initiate_for_order(order_id=event.order_id)


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    """Compensation: the rejected order's list is canceled, its bot freed."""
    services.shopping_list_cancel_for_order(order_id=event.id, order_status="rejected")


def on_ordering_order_canceled(event: ordering.OrderCanceled, envelope: Envelope) -> None:
    """The customer canceled the order: its list is canceled, its bot freed."""
    services.shopping_list_cancel_for_order(order_id=event.id, order_status="canceled")


# --- The orchestrated create-order saga's commands (group depot.orders) -----------------------


def create_shopping_list(command: contracts.CreateShoppingList, envelope: Envelope) -> Reply:
    """Step 3: CreatedShoppingList, or Failed with the refusal (the service's, raised, or the
    order canceled before its list was made)."""
    copy = selectors.order_copy_find(order_id=command.order_id)
    if copy is not None and copy.status != OrderCopy.Status.OPEN:
        return Failed(reason=f"the order was {copy.status}")
    lines = [OrderLine(i.product_id, i.store_id, i.quantity, i.product_name) for i in command.items]
    return contracts.CreatedShoppingList(
        id=services.shopping_list_create(order_id=command.order_id, items=lines)
    )


def initiate_shopping(command: contracts.InitiateShopping, envelope: Envelope) -> Reply | None:
    """Step 5: Succeeded once the list is available to bots; Failed when it cannot be (it was
    canceled meanwhile)."""
    if services.shopping_list_initiate_for_order(order_id=command.order_id):
        return None
    return Failed(reason="the shopping list cannot be initiated")


def cancel_shopping_list(command: contracts.CancelShoppingList, envelope: Envelope) -> None:
    """Compensation of step 3: the order's list, if any, canceled (its bot freed)."""
    services.shopping_list_cancel_for_order(order_id=command.order_id, order_status="rejected")


# --- Caches of the stores context (groups depot.stores, depot.products) -----------------------


def on_stores_store_created(event: stores.StoreCreated, envelope: Envelope) -> None:
    services.store_cache_add(store_id=event.id, name=event.name, location=event.location)


def on_stores_store_rebranded(event: stores.StoreRebranded, envelope: Envelope) -> None:
    services.store_cache_rebrand(store_id=event.id, name=event.name)


def on_stores_product_added(event: stores.ProductAdded, envelope: Envelope) -> None:
    services.product_cache_add(product_id=event.id, store_id=event.store_id, name=event.name)


def on_stores_product_rebranded(event: stores.ProductRebranded, envelope: Envelope) -> None:
    services.product_cache_rebrand(product_id=event.id, name=event.name)


def on_stores_product_removed(event: stores.ProductRemoved, envelope: Envelope) -> None:
    services.product_cache_remove(product_id=event.id)
