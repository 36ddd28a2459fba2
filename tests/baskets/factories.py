"""Baskets, cache entries and stores data made the way the system makes them: through
services, so events, read model rows and outbox rows are all real. Each factory returns the
row the baskets context reads (or, for the stores context, its read model row)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import factory

from apps.baskets import services
from apps.baskets.models import Basket, ProductCache, StoreCache


def new_id() -> str:
    return str(uuid.uuid4())


class CachedStoreFactory(factory.Factory):
    """A store as the StoreCreated handler records it."""

    class Meta:
        model = StoreCache

    id = factory.LazyFunction(new_id)
    name = factory.Sequence(lambda n: f"Store {n:03d}")
    location = factory.Sequence(lambda n: f"Level {n % 3}, unit {n}")

    @classmethod
    def _create(cls, model_class: type[StoreCache], id: str, name: str, location: str) -> StoreCache:
        services.store_cache_add(store_id=id, name=name, location=location)
        return model_class.objects.get(id=id)


class CachedProductFactory(factory.Factory):
    """A product as the ProductAdded handler records it."""

    class Meta:
        model = ProductCache

    id = factory.LazyFunction(new_id)
    store = factory.SubFactory(CachedStoreFactory)
    name = factory.Sequence(lambda n: f"Product {n:03d}")
    price = Decimal("9.99")

    @classmethod
    def _create(
        cls, model_class: type[ProductCache], id: str, store: StoreCache, name: str, price: Decimal
    ) -> ProductCache:
        services.product_cache_add(product_id=id, store_id=store.id, name=name, price=price)
        return model_class.objects.get(id=id)


class BasketFactory(factory.Factory):
    """An open basket with `items` ([(product, quantity)]); `payment_id` checks it out,
    `canceled` cancels it."""

    class Meta:
        model = Basket

    customer_id = factory.LazyFunction(new_id)
    items = factory.LazyFunction(list)
    payment_id = None
    canceled = False

    @classmethod
    def _create(
        cls,
        model_class: type[Basket],
        customer_id: str,
        items: list[tuple[ProductCache, int]],
        payment_id: str | None,
        canceled: bool,
    ) -> Basket:
        basket_id = services.basket_start(customer_id=customer_id)
        for product, quantity in items:
            services.basket_add_item(basket_id=basket_id, product_id=product.id, quantity=quantity)
        if payment_id is not None:
            services.basket_checkout(basket_id=basket_id, payment_id=payment_id)
        if canceled:
            services.basket_cancel(basket_id=basket_id)
        return model_class.objects.get(id=basket_id)
