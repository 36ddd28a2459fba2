"""Commands of the baskets context: the basket's use cases, and the upkeep of the caches of
stores and products that the stores context's integration events feed."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TypeVar

from django.db import transaction

from apps.stores import contracts as stores
from mallbots.eventstore.api import AggregateRepository, command

from . import selectors
from .domain import Basket, BasketNotFound, ProductNotLocated, StoreNotLocated
from .models import ProductCache, StoreCache

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
    product, price, store_id = _locate_product(product_id)
    store = _locate_store(store_id)
    basket.add_item(
        store_id=store.id,
        store_name=store.name,
        product_id=product.id,
        product_name=product.name,
        price=price,
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
    """Checks the basket out. The payment is not verified here: the order saga confirms it."""
    basket = baskets.get(basket_id)
    basket.checkout(payment_id)
    baskets.save(basket)


# --- Lookups with a fallback to the stores context ----------------------------------------


def _locate_product(product_id: str) -> tuple[ProductCache, Decimal, str]:
    """The cached product (with its price and store id, known on a complete row); on a miss,
    the stores context's answer, cached."""
    cached = selectors.product_cache_find(product_id=product_id)
    if cached is not None and cached.removed:
        raise ProductNotLocated()  # removal is final: no need to ask
    if cached is not None and cached.price is not None and cached.store_id is not None:
        return cached, cached.price, cached.store_id
    info = stores.get_product(product_id)
    if info is None:
        raise ProductNotLocated()
    product = _locked(ProductCache, product_id)
    if product.removed:  # removed while we asked
        raise ProductNotLocated()
    # The stores context's current state is at least as new as any event handled so far, so
    # it overwrites; the positions stay, so events newer than what was handled still apply.
    price = info.price.quantize(CENT)
    product.store_id, product.name, product.price = info.store_id, info.name, price
    product.save()
    return product, price, info.store_id


def _locate_store(store_id: str) -> StoreCache:
    """The cached store; on a miss, the stores context's answer, cached."""
    cached = selectors.store_cache_find(store_id=store_id)
    if cached is not None:
        return cached
    info = stores.get_store(store_id)
    if info is None:
        raise StoreNotLocated()
    store = _locked(StoreCache, store_id)
    store.name, store.location = info.name, info.location
    store.save()
    return store


# --- Caches fed by the stores context's integration events --------------------------------
#
# Idempotent and order-independent: `position` is the outbox position of the event, and a
# field is only set by an event newer than the one that set it last (see models.py).

Cache = TypeVar("Cache", StoreCache, ProductCache)


def _locked(model: type[Cache], id: str) -> Cache:
    """The cache row, created empty if missing, locked until the end of the transaction."""
    model.objects.bulk_create([model(id=id)], ignore_conflicts=True)
    return model.objects.select_for_update().get(id=id)


@transaction.atomic
def store_cache_add(*, store_id: str, name: str, location: str, position: int) -> None:
    store = _locked(StoreCache, store_id)
    store.location = location
    store.rename(name, position)
    store.save()


@transaction.atomic
def store_cache_rebrand(*, store_id: str, name: str, position: int) -> None:
    store = _locked(StoreCache, store_id)
    store.rename(name, position)
    store.save()


@transaction.atomic
def product_cache_add(*, product_id: str, store_id: str, name: str, price: Decimal, position: int) -> None:
    product = _locked(ProductCache, product_id)
    product.store_id = store_id
    product.rename(name, position)
    product.reprice(price, position)
    product.save()


@transaction.atomic
def product_cache_rebrand(*, product_id: str, name: str, position: int) -> None:
    product = _locked(ProductCache, product_id)
    product.rename(name, position)
    product.save()


@transaction.atomic
def product_cache_reprice(*, product_id: str, price: Decimal, position: int) -> None:
    """The product's new price, from a price increase or decrease."""
    product = _locked(ProductCache, product_id)
    product.reprice(price, position)
    product.save()


@transaction.atomic
def product_cache_remove(*, product_id: str) -> None:
    product = _locked(ProductCache, product_id)
    product.removed = True
    product.save()
