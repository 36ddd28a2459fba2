"""Consumers of the stores context's integration events: they keep the store and product
caches that adding an item reads. Subscribed in apps.py on the `baskets` queue, in one order
group per cache, so one store's or product's events are handled in publication order."""

from __future__ import annotations

from apps.ordering import contracts as ordering
from apps.stores import contracts as stores
from mallbots.kernel.messaging.api import Envelope

from . import services


def on_stores_store_created(event: stores.StoreCreated, envelope: Envelope) -> None:
    services.store_cache_add(store_id=event.id, name=event.name, location=event.location)


def on_stores_store_rebranded(event: stores.StoreRebranded, envelope: Envelope) -> None:
    services.store_cache_rebrand(store_id=event.id, name=event.name)


def on_stores_product_added(event: stores.ProductAdded, envelope: Envelope) -> None:
    services.product_cache_add(
        product_id=event.id,
        store_id=event.store_id,
        name=event.name,
        price=event.price,
    )


def on_stores_product_rebranded(event: stores.ProductRebranded, envelope: Envelope) -> None:
    services.product_cache_rebrand(product_id=event.id, name=event.name)


def on_stores_product_price_increased(event: stores.ProductPriceIncreased, envelope: Envelope) -> None:
    services.product_cache_reprice(product_id=event.id, price=event.price)


def on_stores_product_price_decreased(event: stores.ProductPriceDecreased, envelope: Envelope) -> None:
    services.product_cache_reprice(product_id=event.id, price=event.price)


def on_stores_product_removed(event: stores.ProductRemoved, envelope: Envelope) -> None:
    services.product_cache_remove(product_id=event.id)


def on_ordering_order_rejected(event: ordering.OrderRejected, envelope: Envelope) -> None:
    """Create-order saga compensation: the basket's checkout is reported rejected."""
    services.basket_report_rejected_checkout(basket_id=event.id, reason=event.reason)
