"""Consumers of other contexts' integration events, on the `depot` queue (apps.py): the depot's
steps of the create-order saga and its compensations (docs/saga.md), in the order group
`depot.orders` keyed by order id, and the stores caches, in `depot.stores` and
`depot.products`. One service call each; each handler runs under the message's correlation id
(the order id for order messages)."""

from __future__ import annotations

from apps.customers import contracts as customers
from apps.ordering import contracts as ordering
from apps.payments import contracts as payments
from apps.stores import contracts as stores
from mallbots.kernel.messaging.api import Envelope

from . import services
from .domain import OrderLine

# --- The create-order saga (group depot.orders) -----------------------------------------------


def on_ordering_order_created(event: ordering.OrderCreated, envelope: Envelope) -> None:
    """Keeps the order's items for step 3, which CustomerAuthorized triggers."""
    services.order_copy_save(
        order_id=event.id,
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
    services.shopping_list_create_for_order(order_id=event.order_id)


def on_payments_payment_confirmed(event: payments.PaymentConfirmed, envelope: Envelope) -> None:
    """Step 5: the list becomes available to bots (ShoppingListInitiated)."""
    services.shopping_list_initiate_for_order(order_id=event.order_id)


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    """Compensation: the rejected order's list is canceled, its bot freed."""
    services.shopping_list_cancel_for_order(order_id=event.id, order_status="rejected")


def on_ordering_order_canceled(event: ordering.OrderCanceled, envelope: Envelope) -> None:
    """The customer canceled the order: its list is canceled, its bot freed."""
    services.shopping_list_cancel_for_order(order_id=event.id, order_status="canceled")


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
