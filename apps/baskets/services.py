"""Commands of the baskets context: the basket's use cases, and the upkeep of the caches of
stores and products that the stores context's integration events feed."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.utils import timezone

from apps.stores import contracts as stores
from mallbots.kernel.ddd import context as message_context
from mallbots.kernel.eventstore.api import AggregateRepository
from mallbots.kernel.uow import command

from . import selectors
from .domain import Basket, BasketNotFound, ProductNotLocated, StoreNotLocated
from .models import ProductCache, StoreCache

logger = logging.getLogger(__name__)

baskets = AggregateRepository(Basket, not_found=BasketNotFound)

CENT = Decimal("0.01")

# --- Basket -------------------------------------------------------------------------------


@command
def basket_start(*, customer_id: str) -> str:
    """Starts a basket for the customer and returns its id. The customer is not looked up
    here: the order saga rejects an unknown or disabled customer at checkout."""
    basket_id = str(uuid.uuid4())
    baskets.save(Basket.start(basket_id, customer_id))
    return basket_id


@command
def basket_add_item(*, basket_id: str, product_id: str, quantity: int) -> None:
    basket = baskets.get(basket_id)
    product = _locate_product(product_id)
    store = _locate_store(product.store_id)
    basket.add_item(
        store_id=store.id,
        store_name=store.name,
        product_id=product.id,
        product_name=product.name,
        price=product.price,
        quantity=quantity,
    )
    baskets.save(basket)


@command
def basket_remove_item(*, basket_id: str, product_id: str, quantity: int) -> None:
    # No product lookup: a product the store has stopped selling can still leave the basket.
    basket = baskets.get(basket_id)
    basket.remove_item(product_id=product_id, quantity=quantity)
    baskets.save(basket)


@command
def basket_cancel(*, basket_id: str) -> None:
    basket = baskets.get(basket_id)
    basket.cancel()
    baskets.save(basket)


@command
def basket_checkout(*, basket_id: str, payment_id: str) -> None:
    """Checks the basket out. The payment is not verified here: the order saga confirms it.
    Runs under the basket id as correlation id: it becomes the order's id, and every message
    about that order carries it (docs/saga.md)."""
    with message_context.use(correlation_id=basket_id):
        basket = baskets.get(basket_id)
        basket.checkout(payment_id)
        baskets.save(basket)


@command
def basket_report_rejected_checkout(*, basket_id: str, reason: str) -> None:
    """The order made from this basket was rejected (create-order saga compensation)."""
    basket = baskets.find(basket_id)
    if basket is None:
        return  # an order created through the ordering API has no basket
    basket.report_rejected_checkout(reason)
    baskets.save(basket)


# --- Lookups with a fallback to the stores context ----------------------------------------


def _locate_product(product_id: str) -> ProductCache:
    """The cached product; on a miss, the stores context's answer, cached."""
    cached = selectors.product_cache_find(product_id=product_id)
    if cached is not None:
        return cached
    info = stores.get_product(product_id)
    if info is None:
        raise ProductNotLocated()
    return _product_upsert(product_id, store_id=info.store_id, name=info.name, price=info.price)


def _locate_store(store_id: str) -> StoreCache:
    """The cached store; on a miss, the stores context's answer, cached."""
    cached = selectors.store_cache_find(store_id=store_id)
    if cached is not None:
        return cached
    info = stores.get_store(store_id)
    if info is None:
        raise StoreNotLocated()
    return _store_upsert(store_id, name=info.name, location=info.location)


# --- Caches fed by the stores context's integration events --------------------------------
#
# Each cache's handlers share an order group (apps.py), so the events of one store or product
# arrive here in publication order and the latest one handled wins. A fallback may have
# inserted a row before its creation event is handled: the creation overwrites it, and the
# events after it bring it back to the stores context's current state.


def _store_upsert(store_id: str, *, name: str, location: str) -> StoreCache:
    (store,) = StoreCache.objects.bulk_create(
        [StoreCache(id=store_id, name=name, location=location)],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["name", "location", "updated_at"],
    )
    return store


def _product_upsert(product_id: str, *, store_id: str, name: str, price: Decimal) -> ProductCache:
    (product,) = ProductCache.objects.bulk_create(
        [ProductCache(id=product_id, store_id=store_id, name=name, price=price.quantize(CENT))],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["store_id", "name", "price", "updated_at"],
    )
    return product


def _update(model: type[StoreCache] | type[ProductCache], id: str, event: str, **fields: object) -> None:
    """Sets the fields of a cached row. A missing row is left missing: in publication order its
    creation comes first, so the row was purged, and the next lookup asks the stores context."""
    if not model.objects.filter(id=id).update(**fields, updated_at=timezone.now()):
        logger.debug("%s of %s %s: not cached, nothing to update", event, model._meta.verbose_name, id)


@command
def store_cache_add(*, store_id: str, name: str, location: str) -> None:
    _store_upsert(store_id, name=name, location=location)


@command
def store_cache_rebrand(*, store_id: str, name: str) -> None:
    _update(StoreCache, store_id, "rebrand", name=name)


@command
def product_cache_add(*, product_id: str, store_id: str, name: str, price: Decimal) -> None:
    _product_upsert(product_id, store_id=store_id, name=name, price=price)


@command
def product_cache_rebrand(*, product_id: str, name: str) -> None:
    _update(ProductCache, product_id, "rebrand", name=name)


@command
def product_cache_reprice(*, product_id: str, price: Decimal) -> None:
    """The product's new price, from a price increase or decrease."""
    _update(ProductCache, product_id, "price change", price=price.quantize(CENT))


@command
def product_cache_remove(*, product_id: str) -> None:
    ProductCache.objects.filter(id=product_id).delete()
